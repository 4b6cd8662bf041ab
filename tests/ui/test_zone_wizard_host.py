"""The zone wizard's host step waits for the connect job like addHost: a refused enrollment
is shown on the form (the step is not ticked, no host is left) and can be corrected."""

import pytest

from compute.models import Host
from tests.cloud_fixtures import ENROLL_PASSWORD, ENROLL_USER
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_password_is_shown_on_the_host_step_then_corrected(
    login, root_admin, enrolling_agent, sync_jobs
):
    agent = enrolling_agent()
    zone = ClusterFactory().zone
    client = login(root_admin)
    url = f"/compute/zone-wizard/{zone.pk}/host/"
    data = {"url": f"{agent.url}/hosts/wiz-1", "username": ENROLL_USER, "password": "nope-nope"}
    page = client.post(url, data)
    text = page.content.decode()
    assert page.status_code == 200
    assert "refused the credentials of &#x27;root&#x27;" in text and "was not added" in text
    assert "Host ✓" not in text and "nope-nope" not in text
    assert not Host.objects.exists()
    page = client.post(url, {**data, "password": ENROLL_PASSWORD})
    assert page.status_code == 302 and page["Location"] == url
    host = Host.objects.get()
    assert (host.status, host.name, host.password) == ("Up", "wiz-1", "")
    assert "Host ✓" in client.get(url).content.decode()


def test_the_add_host_form_shows_a_refused_enrollment(
    login, root_admin, enrolling_agent, sync_jobs
):
    agent = enrolling_agent()
    cluster = ClusterFactory()
    client = login(root_admin)
    data = {"cluster": cluster.pk, "url": f"{agent.url}/hosts/form-1", "username": ENROLL_USER}
    page = client.post("/compute/hosts/add/", {**data, "password": "nope-nope"})
    assert page.status_code == 200 and "refused the credentials" in page.content.decode()
    assert not Host.objects.exists()
    page = client.post("/compute/hosts/add/", {**data, "password": ENROLL_PASSWORD})
    host = Host.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/compute/hosts/{host.pk}/"
    assert host.status == "Up"
