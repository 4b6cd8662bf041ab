"""The deploy form and the instance page after a deploy, in a real browser (issue 14): the
zone change keeps what was filled in, existing networks are offered (and preselected), and
once the job is done the page shows it done, toasts once and the root volume is Ready.

The job runs after the answer, as with a worker: first as progress written by the test,
then for real. Screenshots go to var/screenshots/deploy-*.png.
"""

from __future__ import annotations

import os

import pytest

from tests.ui.test_browser import CHROMIUM, browser, log_in, page, shot  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def networks(tenant, cloud):
    """The tenant's network and an admin's shared network in zone-a, and a second zone."""
    from tests.factories import AccountFactory, NetworkFactory, TemplateFactory, ZoneFactory

    zone_b = ZoneFactory(name="zone-b")
    TemplateFactory(zone=zone_b, name="Only in B")
    mine = NetworkFactory(zone=cloud["zone"], account=tenant.account, name="net-mine")
    shared = NetworkFactory(
        zone=cloud["zone"],
        account=AccountFactory(),  # an operator's
        guest_type="Shared",
        name="net-shared",
    )
    return {"mine": mine, "shared": shared, "zone_b": zone_b}


def test_deploy_form_keeps_input_and_offers_networks(page, tenant, cloud, networks):  # noqa: F811
    from playwright.sync_api import expect

    log_in(page, tenant.username)
    page.goto("/compute/instances/deploy/")
    network = page.locator("#id_network")
    expect(network.locator("option", has_text="net-mine")).to_have_count(1)
    expect(network.locator("option", has_text="net-shared")).to_have_count(1)
    assert network.input_value() == str(networks["mine"].pk)  # what the service would pick
    page.fill("#id_name", "keep-me")
    page.fill("#id_user_data", "#cloud-config")
    page.select_option("#id_zone", label="zone-b")
    expect(page.locator("#id_template option", has_text="Only in B")).to_have_count(1)
    expect(page.locator("#id_name")).to_have_value("keep-me")
    expect(page.locator("#id_user_data")).to_have_value("#cloud-config")
    expect(network.locator("option", has_text="net-mine")).to_have_count(0)
    shot(page, "deploy-01-zone-b")
    page.select_option("#id_zone", label="zone-a")
    expect(network.locator("option", has_text="net-mine")).to_have_count(1)
    expect(page.locator("#id_name")).to_have_value("keep-me")


def test_after_deploy_the_page_shows_the_job_done(page, tenant, cloud, no_broker):  # noqa: F811
    from playwright.sync_api import expect

    from portal.models import AsyncJob
    from portal.tasks import run_job

    log_in(page, tenant.username)
    page.goto("/compute/instances/deploy/")
    page.select_option("#id_template", label="Debian 12")
    page.fill("#id_name", "web1")
    page.get_by_role("button", name="Deploy").click()
    status = page.locator("#instance-status")
    expect(status.locator("[data-job-status=pending]")).to_contain_text("vm.deploy")
    (job,) = no_broker
    # a worker has claimed it and reports progress ...
    AsyncJob.objects.filter(pk=job.pk).update(
        status="running", progress=10, progress_message="Planning: choosing a host"
    )
    expect(status).to_contain_text("10% Planning")
    shot(page, "deploy-02-planning")
    # ... and runs it to the end
    AsyncJob.objects.filter(pk=job.pk).update(status="pending")
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    run_job(job.pk)
    expect(status).to_have_attribute("data-state", "Running")
    expect(status.locator("[data-job-status]")).to_have_attribute("data-job-status", "succeeded")
    expect(status).not_to_contain_text("Planning")
    toasts = page.locator(".toast", has_text="vm.deploy finished.")
    expect(toasts).to_have_count(1)
    root = page.locator("#instance-volumes tr", has_text="ROOT-")
    expect(root).to_contain_text("Ready")  # no reload needed
    expect(page.locator("#job-history")).to_contain_text("Succeeded")
    expect(page.locator("#job-history")).not_to_contain_text("Planning")
    page.wait_for_timeout(3000)  # every poller has answered again: still one toast
    expect(toasts).to_have_count(1)
    expect(status).not_to_contain_text("Planning")
    shot(page, "deploy-03-done")
