"""The main journeys in a real browser: Debian's Chromium, headless, driven by Playwright
against the live server, with a simulator agent and jobs run in-process.

Screenshots of each journey's main pages go to var/screenshots/.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
import pytest

from tests.cloud_fixtures import ENROLL_PASSWORD, ENROLL_USER
from tests.ui.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    """Chromium for this module. Playwright's sync API keeps an event loop in this thread,
    so the ORM is allowed beside it while the module runs (and only then)."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_admin_runs_the_zone_wizard_with_a_simulator_host(
    page, root_admin, enrolling_agent, sync_jobs
):
    from playwright.sync_api import expect

    from compute.models import Host, Zone

    log_in(page, root_admin.username)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(page, "admin-01-dashboard-empty")
    page.get_by_role("link", name="Zone wizard").click()
    # 1. zone: first a server-side field error, then valid input
    page.fill("#id_name", "zone-wiz")
    page.fill("#id_dns1", "not-an-ip")
    page.fill("#id_internal_dns1", "10.0.0.2")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".errorlist")).to_contain_text("IPv4")
    shot(page, "admin-02-wizard-zone-error")
    page.fill("#id_dns1", "8.8.8.8")
    page.get_by_role("button", name="Save and continue").click()
    # 2. physical network and traffic types
    expect(page.locator("h2", has_text="Physical network")).to_be_visible()
    page.fill("#id_vlan_range", "200-209")
    page.get_by_role("button", name="Save and continue").click()
    # 3. pod with its IP range
    page.fill("#id_gateway", "192.168.50.1")
    page.fill("#id_start_ip", "192.168.50.10")
    page.fill("#id_end_ip", "192.168.50.100")
    page.get_by_role("button", name="Save and continue").click()
    # 4. cluster
    page.select_option("#id_hypervisor", "Simulator")
    page.get_by_role("button", name="Save and continue").click()
    # 5. host, enrolled with the operator's credentials: a refusal is shown and corrected
    agent = enrolling_agent()
    page.fill("#id_url", f"{agent.url}/hosts/wizard-host-1")
    page.fill("#id_username", ENROLL_USER)
    page.fill("#id_password", "wrong-password")
    page.get_by_role("button", name="Add host").click()
    expect(page.locator("section.panel form")).to_contain_text("refused the credentials of 'root'")
    expect(page.get_by_role("list", name="Wizard steps")).not_to_contain_text("Host ✓")
    shot(page, "admin-03a-wizard-host-refused")
    page.fill("#id_password", ENROLL_PASSWORD)
    page.get_by_role("button", name="Add host").click()
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "succeeded")
    shot(page, "admin-03-wizard-host-connected")
    page.get_by_role("link", name="Next: primary storage").click()
    # 6. primary storage
    page.fill("#id_url", "nfs://10.0.0.5/export/primary")
    page.fill("#id_capacity_gib", "500")
    page.get_by_role("button", name="Save and continue").click()
    # 7. secondary storage
    page.fill("#id_url", "nfs://10.0.0.6/export/secondary")
    page.get_by_role("button", name="Save and continue").click()
    # 8. enable
    shot(page, "admin-04-wizard-enable")
    page.get_by_role("button", name="Enable zone").click()
    expect(page.get_by_role("heading", name=re.compile("Zone zone-wiz"))).to_contain_text("Enabled")
    shot(page, "admin-05-zone-detail")
    zone = Zone.objects.get(name="zone-wiz")
    host = Host.objects.get(zone=zone)
    assert zone.allocation_state == "Enabled" and host.status == "Up"
    assert zone.storage_pools.count() == 1 and zone.image_stores.count() == 1
    page.goto("/")
    expect(page.locator("text=Capacity by zone")).to_be_visible()
    shot(page, "admin-06-dashboard-capacity")
    page.goto("/compute/hosts/")
    page.get_by_role("link", name=host.name).click()
    expect(page.locator("h1")).to_contain_text("Up")
    shot(page, "admin-07-host-detail")


def test_tenant_deploys_stops_and_destroys_an_instance(page, tenant, cloud, sync_jobs):
    from playwright.sync_api import expect

    from compute.models import Instance

    log_in(page, tenant.username)
    page.get_by_role("link", name="Instances", exact=True).click()
    shot(page, "tenant-01-instances-empty")
    page.get_by_role("link", name="Deploy instance").click()
    page.select_option("#id_template", label="Debian 12")
    page.fill("#id_name", "web1")
    shot(page, "tenant-02-deploy-wizard")
    page.get_by_role("button", name="Deploy").click()
    status = page.locator("#instance-status")
    expect(status).to_have_attribute("data-state", "Running")
    shot(page, "tenant-03-instance-running")
    status.get_by_role("button", name="Stop").click()
    expect(page.locator("#instance-status")).to_have_attribute("data-state", "Stopped")
    expect(page.locator(".toast")).to_contain_text("vm.stop finished.")
    shot(page, "tenant-04-instance-stopped")
    page.locator("#instance-status").get_by_role("button", name="Destroy").click()
    expect(page.locator("#instance-status")).to_have_attribute("data-state", "Destroyed")
    shot(page, "tenant-05-instance-destroyed")
    page.get_by_role("link", name="Instances", exact=True).click()
    expect(page.locator("tr[data-state=Destroyed]")).to_contain_text("web1")
    shot(page, "tenant-06-instances-list")
    assert Instance.objects.get(name="web1").state == "Destroyed"


def test_tenant_enables_2fa_and_logs_in_with_a_code(page, tenant):
    from playwright.sync_api import expect

    log_in(page, tenant.username)
    page.goto("/profile/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "2fa-01-enroll-qr")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("#id_code", totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    shot(page, "2fa-02-recovery-codes")
    log_out(page)
    log_in(page, tenant.username)
    page.wait_for_url(re.compile(r"/accounts/login/2fa/"))
    shot(page, "2fa-03-code-step")
    page.fill("#id_code", totp.at(time.time() + totp.interval))  # next step: no replay
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(page, "2fa-04-logged-in")


def test_a_tenant_cannot_reach_another_tenants_pages(page, tenant, other_tenant, cloud):
    from playwright.sync_api import expect

    from tests.factories import InstanceFactory

    theirs = InstanceFactory(
        account=other_tenant.account,
        domain=other_tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Running",
        name="their-secret-vm",
    )
    log_in(page, tenant.username)
    response = page.goto(f"/compute/instances/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    shot(page, "isolation-01-other-tenant-404")
    page.goto("/compute/instances/")
    expect(page.locator("body")).not_to_contain_text("their-secret-vm")
    assert page.goto("/compute/hosts/").status == 403
    shot(page, "isolation-02-admin-page-403")


def test_dark_theme_narrow_screen_and_keyboard(browser, live_server, tenant, cloud):
    from playwright.sync_api import expect

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 800}, color_scheme="dark"
    )
    page = context.new_page()
    try:
        log_in(page, tenant.username)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(16, 20, 27)"  # the dark palette follows the system
        nav = page.locator("#sidenav")
        expect(nav).to_be_hidden()  # collapsed on a narrow screen
        toggle = page.get_by_role("button", name="Menu")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(nav).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        shot(page, "narrow-01-dark-menu")
        nav.get_by_role("link", name="Instances").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/compute/instances/"))
        shot(page, "narrow-02-dark-instances")
    finally:
        context.close()
