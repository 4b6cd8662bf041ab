"""createConsoleEndpoint: a single-use token for the caller's own running VM, through the
console proxy to a real QEMU VNC; another tenant's VM is an error, a stopped one success=false."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from compute.models import ConsoleSession
from tests.console.fixtures import refused, rfb_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_console_endpoint_opens_the_vm_console_once(
    cs_client,
    console_proxy,
    console_vm,
    paused_qemu,
    tenant,
):
    vm = console_vm(paused_qemu)
    answer = cs_client(tenant)("createConsoleEndpoint", virtualmachineid=vm.uuid, token="x-1")
    endpoint = answer["consoleendpoint"]
    assert endpoint["success"] is True and "valid once, for 60 seconds" in endpoint["details"]
    ws = endpoint["websocket"]
    proxy = urlsplit(console_proxy.url)
    assert (ws["host"], ws["port"], ws["path"]) == (proxy.hostname, proxy.port, proxy.path)
    assert ws["extra"] == "x-1" and len(ws["token"]) >= 40
    page = urlsplit(endpoint["url"])
    assert (page.scheme, page.netloc, page.path) == ("http", "testserver", "/compute/console/")
    assert parse_qs(page.query) == {"token": [ws["token"]], "extra": ["x-1"]}
    assert paused_qemu.password not in str(answer)

    url = f"ws://{ws['host']}:{ws['port']}{ws['path']}?token={ws['token']}&extra={ws['extra']}"
    assert rfb_session(url)[:2] == (640, 480)
    assert refused(url)[0] == 4401


def test_console_endpoint_of_another_tenants_vm_is_an_error(
    cs_client,
    console_vm,
    tenant,
    other_tenant,
):
    vm = console_vm(None)
    response = cs_client(other_tenant).raw("createConsoleEndpoint", virtualmachineid=vm.uuid)
    body = response.json()["createconsoleendpointresponse"]
    assert response.status_code == 431 and body["errorcode"] == 431
    assert "virtualmachineid" in body["errortext"]
    missing = cs_client(tenant).raw("createConsoleEndpoint")
    assert (
        missing.status_code == 431
        and "virtualmachineid" in missing.json()["createconsoleendpointresponse"]["errortext"]
    )
    assert not ConsoleSession.objects.exists()


def test_console_endpoint_of_a_stopped_vm_says_why(cs_client, console_vm, tenant):
    vm = console_vm(None, state="Stopped")
    answer = cs_client(tenant)("createConsoleEndpoint", virtualmachineid=vm.uuid)
    assert answer["consoleendpoint"] == {
        "success": False,
        "details": "The console is available while the instance is Running (it is Stopped).",
    }
