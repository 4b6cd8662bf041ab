"""Input bounds in a real browser (issue 14): oversized numbers and malformed ranges are
field errors on the page, never a 500 (nor a debug traceback).

Screenshots go to var/screenshots/bounds-*.png.
"""

from __future__ import annotations

import os

import pytest

from tests.ui.test_browser import CHROMIUM, browser, log_in, page, shot  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _no_server_errors(tab) -> list[str]:
    errors: list[str] = []
    tab.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    return errors


def test_oversized_volume_and_limit_are_field_errors(page, tenant, root_admin, cloud):  # noqa: F811
    from playwright.sync_api import expect

    from portal.models import ResourceLimit
    from storage.models import DiskOffering, Volume

    DiskOffering.objects.create(name="Big custom", customized=True)
    errors = _no_server_errors(page)
    log_in(page, tenant.username)
    page.goto("/storage/volumes/add/")
    page.fill("#id_name", "huge")
    page.select_option("#id_disk_offering", label="Big custom (custom size, 1–∞ GiB)")
    for size, text in [("99999999999999", "GiB"), ("999999", "1024 GiB"), ("1000", "200 GiB")]:
        page.fill("#id_size", size)
        page.get_by_role("button", name="Create volume").click()
        expect(page.locator("#id_size_error")).to_contain_text(text)
        expect(page.locator("#id_size")).to_have_attribute("aria-invalid", "true")
    shot(page, "bounds-01-volume-size")
    assert not Volume.objects.filter(name="huge").exists()
    page.get_by_role("button", name="Log out").click()

    log_in(page, root_admin.username)
    page.goto(f"/tenancy/accounts/{tenant.account.pk}/")
    page.get_by_label("Limit of CPU cores").fill("99999999999999999999999")
    page.get_by_label("Limit of CPU cores").locator("xpath=..").get_by_role("button").click()
    expect(page.locator(".toast.error")).to_contain_text("At most 9223372036854775807")
    shot(page, "bounds-02-account-limit")
    assert not ResourceLimit.objects.filter(account=tenant.account, resource_type="cpu").exists()
    assert errors == []


def test_zone_wizard_refuses_host_bits_and_bad_vlan_ranges(page, root_admin):  # noqa: F811
    from playwright.sync_api import expect

    from compute.models import Zone

    errors = _no_server_errors(page)
    log_in(page, root_admin.username)
    page.goto("/")
    page.get_by_role("link", name="Zone wizard").click()
    page.fill("#id_name", "zone-bits")
    page.fill("#id_dns1", "8.8.8.8")
    page.fill("#id_internal_dns1", "10.0.0.2")
    page.fill("#id_guest_cidr", "10.1.1.5/24")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#id_guest_cidr_error")).to_contain_text("host bits set; use 10.1.1.0/24")
    shot(page, "bounds-03-wizard-guest-cidr")
    assert not Zone.objects.exists()
    page.fill("#id_guest_cidr", "10.1.1.0/24")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h2", has_text="Physical network")).to_be_visible()
    for value, text in [("5000-1", "outside 1-4094"), ("20-10", "start is after the end")]:
        page.fill("#id_vlan_range", value)
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator("#id_vlan_range_error")).to_contain_text(text)
    shot(page, "bounds-04-wizard-vlan-range")
    assert not Zone.objects.get().physical_networks.exists()
    assert errors == []
