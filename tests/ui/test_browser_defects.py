"""Defects of the portal seen in a real browser (issue 14), each with a journey that
failed before its fix: bulk actions, snapshots panel, help texts, titles, /jobs/ width.

Screenshots go to var/screenshots/defects-*.png.
"""

from __future__ import annotations

import os

import pytest

from tests.ui.test_browser import CHROMIUM, browser, log_in, page, shot  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _deploy(tenant, cloud, name, pending=()):
    """A running instance; ``pending``: the no_broker list whose jobs are run here."""
    from compute.lifecycle import deploy_instance
    from compute.models import ServiceOffering
    from portal.tasks import run_job

    instance, _ = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        name=name,
    )
    while pending:
        run_job(pending.pop().pk)
    instance.refresh_from_db()
    assert instance.state == "Running"
    return instance


def test_bulk_stop_on_the_instance_list_answers_the_list(page, tenant, cloud, sync_jobs):  # noqa: F811
    from playwright.sync_api import expect

    from compute.models import Instance

    first, second = _deploy(tenant, cloud, "bulk1"), _deploy(tenant, cloud, "bulk2")
    errors = []
    page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    log_in(page, tenant.username)
    page.goto("/compute/instances/")
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Stop", exact=True).first.click()
    expect(page.locator(".toast", has_text="Stop: 2 of 2 done.")).to_be_visible()
    expect(page.locator(".toast.error")).to_have_count(0)
    expect(page.locator(f"#instance-{first.pk}")).to_have_attribute("data-state", "Stopped")
    expect(page.locator(f"#instance-{second.pk}")).to_have_attribute("data-state", "Stopped")
    # the state filter re-renders the same partial
    page.select_option("select[name=state]", "Stopped")
    expect(page.locator("#results tr[data-state=Stopped]")).to_have_count(2)
    shot(page, "defects-01-bulk-stop")
    assert errors == []
    assert set(Instance.objects.values_list("state", flat=True)) == {"Stopped"}


def test_the_snapshots_panel_stays_after_take_snapshot(page, tenant, cloud, no_broker):  # noqa: F811
    """The job runs after the answer (as with a worker): the panel shows its progress, then
    the snapshot, and never vanishes."""
    from playwright.sync_api import expect

    from portal.tasks import run_job
    from storage.models import Volume

    instance = _deploy(tenant, cloud, "snap1", no_broker)
    root = Volume.objects.get(instance=instance, volume_type="ROOT")
    log_in(page, tenant.username)
    page.goto(f"/storage/volumes/{root.pk}/")
    panel = page.locator("#volume-snapshots")
    toasts = page.locator(".toast", has_text="snapshot.create finished.")
    for n in (1, 2):
        page.evaluate("document.getElementById('toasts').replaceChildren()")
        panel.locator("#id_snapshot_name").fill(f"s{n}")
        panel.get_by_role("button", name="Take snapshot").click()
        expect(panel.locator("[data-job-status=pending]")).to_contain_text("snapshot.create")
        expect(panel.locator("tr[data-state]")).to_have_count(n)
        shot(page, f"defects-02-snapshot-{n}-pending")
        run_job(no_broker.pop().pk)
        expect(panel.locator("tr[data-state=BackedUp]")).to_have_count(n)
        expect(toasts).to_have_count(1)
        expect(panel.get_by_role("button", name="Take snapshot")).to_be_visible()
        page.wait_for_timeout(2500)  # every poller has answered once more: still one toast
        expect(toasts).to_have_count(1)
    shot(page, "defects-02-snapshots-panel")


def test_help_texts_are_announced_and_pages_have_their_own_titles(page, root_admin, cloud):  # noqa: F811
    from playwright.sync_api import expect

    log_in(page, root_admin.username)
    page.goto("/storage/volumes/add/")
    size = page.locator("#id_size")
    described = size.get_attribute("aria-describedby").split()
    assert described and all(page.locator(f"#{ref}").count() == 1 for ref in described)
    expect(page.locator(f"#{described[0]}")).to_have_text("Custom-size offerings only.")
    # what a screen reader announces for the field
    assert (
        page.evaluate(
            """() => document.getElementById(
            document.getElementById('id_size').getAttribute('aria-describedby').split(' ')[0]
        ).textContent"""
        )
        == "Custom-size offerings only."
    )
    assert page.title() == "Add volume · Cloud Portal"
    host, pool = cloud["host"], cloud["pool"]
    for url, title in [
        ("/", "Dashboard"),
        (f"/compute/hosts/{host.pk}/", f"Host {host.name}"),
        (f"/compute/zones/{cloud['zone'].pk}/", "Zone zone-a"),
        (f"/storage/pools/{pool.pk}/", f"Storage pool {pool.name}"),
    ]:
        page.goto(url)
        assert page.title() == f"{title} · Cloud Portal", url
    shot(page, "defects-03-pool-detail-title")


def test_the_jobs_page_fits_a_1366_px_window(browser, live_server, tenant, cloud):  # noqa: F811
    from portal.models import AsyncJob

    for n in range(30):
        AsyncJob.objects.create(
            command="vm.deploy" if n % 2 else "snapshot.create",
            user=tenant,
            account=tenant.account,
            resource_type="Instance",
            resource_id=f"7d3f9a2c-1b4e-4c8d-9f0a-{n:012d}",
            status="running" if n % 3 else "failed",
            progress=40,
            progress_message="Creating the root disk on primary storage",
            error_text="No primary storage with 9999 GiB free for volume ROOT-" + "x" * 80,
        )
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    tab = context.new_page()
    try:
        log_in(tab, tenant.username)
        tab.goto("/jobs/")
        tab.wait_for_selector("#results tbody tr")
        width = tab.evaluate("document.documentElement.scrollWidth")
        shot(tab, "defects-04-jobs-1366")
        assert width <= 1366, width
    finally:
        context.close()
