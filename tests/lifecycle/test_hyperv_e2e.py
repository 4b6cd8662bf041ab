"""The whole path on Hyper-V: template download to an SMB secondary share (real Samba),
copy to the SMB primary share, deploy through pywinrm's real client against the WS-Man
protocol double (no Windows host can run here), stop and expunge."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compute.lifecycle import deploy_instance, destroy_instance, stop_instance
from compute.models import ServiceOffering
from networking.models import TrafficType
from networking.services import create_physical_network
from portal.services.jobs import create_job
from portal.tasks import run_job
from storage.models import ImageStore, OSType
from tests.factories import ClusterFactory, HostFactory, StoragePoolFactory, TemplateFactory
from tests.fakes.hyperv import start_hyperv_double
from tests.lab.fixtures import SECRET as LAB_SECRET

pytestmark = pytest.mark.samba
ADMIN, PASSWORD = "Administrator", "Passw0rd!"
IMAGE = b"vhdxfile" + b"\x5a" * (3 * 1024 * 1024)


class Image(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(IMAGE)))
        self.end_headers()
        self.wfile.write(IMAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def hyperv_lab(samba_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NTLM_USER_FILE", str(tmp_path / "ntlm-users"))
    fake, wsman = start_hyperv_double(samba_server, tmp_path / "ntlm-users", ADMIN, PASSWORD)
    web = ThreadingHTTPServer(("127.0.0.1", 0), Image)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield wsman, fake, samba_server, f"http://127.0.0.1:{web.server_address[1]}/win.vhdx"
    web.shutdown()
    wsman.stop()
    import smbclient

    smbclient.reset_connection_cache()  # the download's SMB session


@pytest.mark.django_db
def test_windows_template_downloads_to_smb_and_deploys_on_hyperv(
    hyperv_lab, agent_server, tenant, no_broker, settings
):
    wsman, fake, samba, url = hyperv_lab
    settings.TEMPLATE_URL_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    agent = agent_server(
        "hyperv",
        {
            "winrm_url": wsman.url,
            "username": f"TESTLAB\\{ADMIN}",
            "password": PASSWORD,
            "transport": "ntlm",
            "default_switch": "vSwitch0",
            "smb": {"username": samba.user, "password": samba.password, "port": samba.port},
        },
    )
    cluster = ClusterFactory(hypervisor="Hyperv")
    physical = create_physical_network(
        acting_user=None, zone=cluster.zone, name="hv-phys", vlan_range="200-201"
    )
    TrafficType.objects.create(
        physical_network=physical, traffic_type="Guest", hyperv_label="vSwitch0"
    )
    host = HostFactory(cluster=cluster, url=agent.url, agent_secret=LAB_SECRET)
    StoragePoolFactory(
        cluster=cluster,
        protocol="SMB",
        server="127.0.0.1",
        path="/primary",
        url="smb://127.0.0.1/primary",
        capacity_bytes=100 * 1024**3,
    )
    ImageStore.objects.create(
        name="smb-secondary",
        protocol="cifs",
        server="127.0.0.1",
        path="/secondary",
        url="cifs://127.0.0.1/secondary",
        username=samba.user,
        password=samba.password,
    )
    template = TemplateFactory(
        hypervisor="Hyperv",
        format="VHDX",
        url=url,
        state="NotUploaded",
        os_type=OSType.objects.get(description__startswith="Windows Server 2022"),
    )

    download = create_job("template.download", acting_user=None, resource=template)
    run_job(download.pk)
    download.refresh_from_db()
    assert download.status == "succeeded", download.error_text
    template.refresh_from_db()
    assert template.state == "Ready" and template.install_path.startswith(
        "\\\\127.0.0.1\\secondary\\"
    )
    stored = list(samba.share_dir("secondary").rglob("*.vhdx"))
    assert [p.read_bytes() == IMAGE for p in stored] == [True]

    offering = ServiceOffering.objects.get(name="Medium Instance")
    instance, job = deploy_instance(
        acting_user=tenant,
        zone=cluster.zone,
        service_offering=offering,
        template=template,
        name="win1",
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_text
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host == host
    name = f"i-{instance.account_id}-{instance.pk}-VM"
    vm = fake.vms[name]
    root = instance.volumes.get()
    assert vm["disks"] == [f"{samba.unc('primary')}\\vol-{root.uuid}"]
    assert (samba.share_dir("primary") / f"tpl-{template.uuid}").read_bytes() == IMAGE
    assert (samba.share_dir("primary") / f"vol-{root.uuid}").exists()

    assert run_job(stop_instance(instance, acting_user=tenant).pk) == "succeeded"
    assert run_job(destroy_instance(instance, acting_user=tenant, expunge=True).pk) == "succeeded"
    assert name not in fake.vms
    assert not (samba.share_dir("primary") / f"vol-{root.uuid}").exists()
