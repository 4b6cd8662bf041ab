import pytest
from django.core.management import call_command

from compute.models import Host, Zone
from networking.models import GuestVlan, IPAddress
from portal.models import Account, AsyncJob, Event
from storage.models import Template


@pytest.mark.django_db
def test_seed_demo_builds_the_demo_cloud_once(root_admin, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    root_admin.is_superuser = True
    root_admin.save()
    monkeypatch.setattr("portal.services.jobs.enqueue", lambda job: None)
    call_command("seed_demo")
    counts = (
        Zone.objects.count(),
        Host.objects.count(),
        GuestVlan.objects.count(),
        IPAddress.objects.count(),
        Template.objects.count(),
        Account.objects.count(),
    )
    assert counts == (1, 4, 100, 91, 1, 2)
    assert Template.objects.get().state == "Ready"
    assert not AsyncJob.objects.filter(command="template.download").exists()
    assert Account.objects.get(name="demo").users.get().username == "demo"
    assert (tmp_path / "simulator-agent.json").stat().st_mode & 0o077 == 0
    events = Event.objects.count()
    call_command("seed_demo")
    assert counts == (
        Zone.objects.count(),
        Host.objects.count(),
        GuestVlan.objects.count(),
        IPAddress.objects.count(),
        Template.objects.count(),
        Account.objects.count(),
    )
    assert Event.objects.count() == events  # nothing changed the second time
