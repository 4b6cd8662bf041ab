"""The marketplace in a real browser (Debian's Chromium, headless, Playwright) against the
live server: an admin adds a local catalog built by the test from the sample UI plugin,
installs the plugin from it (live job log), enables it, runs its self-test and sees the
result. Jobs run in-process; the wheel is built into the test's temporary directory and
installed under the temporary PLUGINS_DIR (never into the portal's environment).

Screenshots: var/screenshots/marketplace-*.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from marketplace.wheelbuild import build_wheel
from tests.marketplace.conftest import write_index
from tests.marketplace.helpers import SAMPLES

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
PASSWORD = "Secret-pass-1"
PID = "org.example.status-page"

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    """Chromium for this module; the ORM is allowed beside Playwright's event loop only
    while the module runs."""
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
    context.set_default_timeout(20000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm
    yield page
    context.close()


@pytest.fixture
def sync_jobs(monkeypatch):
    """Run each job in-process as soon as its transaction commits (no broker)."""
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: run_job(job.pk))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"marketplace-{name}.png"), full_page=True)


def test_admin_installs_enables_and_tests_a_plugin_from_a_catalog(
    page, root_admin, plugins_dir, sync_jobs, tmp_path
):
    from playwright.sync_api import expect

    from marketplace.models import Plugin, PluginTestRun

    catalog = tmp_path / "catalog"
    catalog.mkdir()
    wheel = build_wheel(SAMPLES / "ui_plugin", tmp_path / "wheels")
    write_index(
        catalog,
        [
            {
                "id": PID,
                "name": "Status page",
                "summary": "A status page, a dashboard banner and an API endpoint.",
                "artifact": wheel,
                "version": "1.0.0",
                "min": "0.1",
                "max": "1.99",
                "changelog": "First release.",
            }
        ],
    )

    page.goto("/accounts/login/")
    page.fill("#id_username", root_admin.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # 1. add the local catalog
    page.get_by_role("link", name="Browse").click()
    expect(page.locator("h1")).to_have_text("Marketplace")
    page.get_by_role("link", name="Catalogs", exact=True).click()
    page.fill("#id_name", "local")
    page.select_option("#id_kind", "directory")
    page.fill("#id_url", str(catalog))
    page.get_by_role("button", name="Add catalog").click()
    expect(page.locator('tr[data-catalog="local"]')).to_contain_text("Local directory")
    shot(page, "01-catalogs")

    # 2. browse: a card with its compatibility badge
    page.get_by_role("link", name="Browse").first.click()
    card = page.locator(f'article[data-item="{PID}"]')
    expect(card).to_contain_text("Compatible")
    shot(page, "02-browse")
    card.get_by_role("link", name="Status page").click()
    expect(page.locator("text=First release.")).to_be_visible()

    # 3. install: the live job log ends with the job succeeded
    page.get_by_role("button", name="Install 1.0.0").click()
    job = page.locator("#joblog [data-job-status]")
    expect(job).to_have_attribute("data-job-status", "succeeded")
    expect(job.locator("[data-job-log]")).to_contain_text("sha256 verified")
    shot(page, "03-installed-log")
    assert Plugin.objects.get(plugin_id=PID).version == "1.0.0"

    # 4. enable: the plugin's menu item appears
    page.get_by_role("link", name="Installed plugins").first.click()
    row = page.locator(f'tr[data-plugin="{PID}"]')
    expect(row.locator("[data-enabled]")).to_have_text("Disabled")
    row.get_by_role("button", name="Enable").click()
    expect(row.locator("[data-enabled]")).to_have_text("Enabled")
    expect(page.locator("[data-plugin-menu]")).to_have_text("Status")

    # 5. test: the result is shown and stored
    row.get_by_role("button", name="Test").click()
    result = page.locator("#joblog [data-test-result]")
    expect(result).to_have_attribute("data-test-result", "passed")
    expect(page.locator("#joblog")).to_contain_text("compatibility")
    shot(page, "04-test-result")
    assert PluginTestRun.objects.get(plugin__plugin_id=PID).ok
    row.get_by_role("link", name="Status page").click()
    expect(page.locator("#last-test [data-test-result]")).to_have_attribute(
        "data-test-result", "passed"
    )
    shot(page, "05-plugin-detail")
    page.goto("/")
    expect(page.locator('[data-slot="dashboard.top"]')).to_contain_text("All systems operational")
    expect(page).to_have_url(re.compile(r"/$"))
    shot(page, "06-dashboard-slot")
