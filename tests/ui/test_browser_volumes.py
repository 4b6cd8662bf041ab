"""Volume journey in a real browser: a tenant creates a volume, attaches it to a running
instance, sees it attached (on the volume and on the instance), detaches and deletes it.

Screenshots go to var/screenshots/volumes-*.png.
"""

from __future__ import annotations

import os

import pytest

from tests.ui.test_browser import CHROMIUM, browser, log_in, page, shot  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


def test_tenant_creates_attaches_detaches_and_deletes_a_volume(page, tenant, cloud, sync_jobs):  # noqa: F811
    from playwright.sync_api import expect

    from compute.lifecycle import deploy_instance
    from compute.models import ServiceOffering
    from storage.models import Volume

    instance, _ = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        name="web1",
    )
    instance.refresh_from_db()
    assert instance.state == "Running"

    log_in(page, tenant.username)
    page.get_by_role("link", name="Volumes", exact=True).click()
    expect(page.get_by_role("heading", name="Volumes")).to_be_visible()
    expect(page.locator("tr[data-state]")).to_contain_text("ROOT-")  # the instance's root disk
    shot(page, "volumes-01-list")

    # create: a custom-size disk; first a field error, then valid input
    page.get_by_role("link", name="Add volume").click()
    page.fill("#id_name", "data1")
    page.select_option("#id_disk_offering", label="Custom (custom size, 1–∞ GiB)")
    page.get_by_role("button", name="Create volume").click()
    expect(page.locator(".errorlist")).to_contain_text("custom-size disk offering")
    shot(page, "volumes-02-create-error")
    page.fill("#id_size", "8")
    page.get_by_role("button", name="Create volume").click()
    status = page.locator("#volume-status")
    expect(status).to_have_attribute("data-state", "Allocated")
    expect(status).to_contain_text("not attached")
    shot(page, "volumes-03-created")

    # attach to the running instance: live job progress, then a toast
    page.select_option("#attach-instance", label="web1 (Running)")
    status.get_by_role("button", name="Attach").click()
    expect(page.locator("#volume-status")).to_have_attribute("data-state", "Ready")
    expect(page.get_by_test_id("attached-to")).to_have_text("web1")
    expect(page.locator(".toast", has_text="volume.attach finished.")).to_be_visible()
    expect(page.locator("#volume-snapshots")).to_contain_text("Take snapshot")  # refreshed
    shot(page, "volumes-04-attached")

    # seen on the instance's page too
    page.get_by_test_id("attached-to").click()
    volumes = page.locator("#instance-volumes")
    expect(volumes.locator("tr", has_text="data1")).to_contain_text("Ready")
    shot(page, "volumes-05-instance-detail")
    volumes.get_by_role("link", name="data1").click()

    # detach (confirmed), then delete (confirmed)
    page.locator("#volume-status").get_by_role("button", name="Detach").click()
    expect(page.locator("#volume-status")).to_contain_text("not attached")
    expect(page.locator(".toast", has_text="volume.detach finished.")).to_be_visible()
    shot(page, "volumes-06-detached")
    page.locator("#volume-status").get_by_role("button", name="Delete").click()
    expect(page.locator("#volume-status")).to_have_attribute("data-state", "Expunged")
    expect(page.locator(".toast", has_text="volume.delete finished.")).to_be_visible()
    expect(page.locator("#job-history")).to_contain_text("volume.delete")
    expect(page.locator("#volume-snapshots")).not_to_contain_text("Take snapshot")
    shot(page, "volumes-07-deleted")

    page.get_by_role("link", name="Back to volumes").click()
    expect(page.locator("#results")).not_to_contain_text("data1")
    shot(page, "volumes-08-list-after")
    volume = Volume.objects.get(name="data1")
    assert volume.state == "Expunged" and volume.removed is not None and volume.instance is None
