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


def _deploy(tenant, cloud, name):
    from compute.lifecycle import deploy_instance
    from compute.models import ServiceOffering

    instance, _ = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        name=name,
    )
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
