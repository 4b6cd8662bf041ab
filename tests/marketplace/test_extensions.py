"""Script extensions: CloudStack's Orchestrator contract end to end against the MockCloud
sample (its backend on loopback), versions and rollback, custom actions, catalog install."""

import json

import pytest
from django.core.exceptions import ValidationError

from marketplace.models import Extension, ExtensionRun
from marketplace.services.extensions import (
    from_cloudstack_manifest,
    install_script_package,
    orchestrator_payload,
    rollback_extension,
    run_action,
    set_extension_enabled,
    update_extension,
    validate_parameters,
)
from tests.marketplace.conftest import run, sha256, write_index
from tests.marketplace.helpers import MOCKCLOUD, mock_backend_module, zip_directory

TOKEN = "s3cret-token-value"


@pytest.fixture
def backend():
    server = mock_backend_module().MockCloud(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def mockcloud(db, plugins_dir, root_admin, tmp_path):
    archive = zip_directory(MOCKCLOUD, tmp_path / "mockcloud.zip")
    extension = install_script_package(
        archive, plugin_id="org.example.mockcloud", sha256=sha256(archive), acting_user=root_admin
    )
    return set_extension_enabled(extension, True, acting_user=root_admin)


def call(extension, verb, backend, *, host=None, vm_details=None, name="i-2-100-VM", **kwargs):
    host = host if host is not None else {"url": backend.url, "token": TOKEN}
    vm = {"uuid": "6a1e0000-0000-0000-0000-000000000001", "name": name}
    details = vm_details or {"name": name, "cpus": 2, "minRam": 1024**3, "details": {}, "nics": []}
    payload = orchestrator_payload(extension, host=host, vm=vm, vm_details=details, **kwargs)
    return run_action(extension, verb, payload)


def test_orchestrator_contract_end_to_end(mockcloud, backend, plugins_dir):
    prepared = call(mockcloud, "prepare", backend)
    assert prepared.exit_code == 0
    patch = json.loads(prepared.stdout)
    assert patch == {"details": {"mockcloud_vm_id": "i-2-100-VM"}}  # a JSON merge patch
    details = {
        "name": "i-2-100-VM",
        "cpus": 2,
        "minRam": 1024**3,
        "details": patch["details"],
        "nics": [],
    }
    assert call(mockcloud, "create", backend, vm_details=details).exit_code == 0
    assert backend.vms["i-2-100-VM"]["state"] == "running"
    for action in ("status", "STATUS"):
        run_ = call(mockcloud, action, backend, vm_details=details)
        assert (run_.exit_code, json.loads(run_.stdout)) == (
            0,
            {"status": "success", "power_state": "poweron"},
        )
    statuses = json.loads(call(mockcloud, "statuses", backend).stdout)
    assert statuses == {"status": "success", "power_state": {"i-2-100-VM": "poweron"}}
    assert call(mockcloud, "stop", backend, vm_details=details).exit_code == 0
    assert call(mockcloud, "delete", backend, vm_details=details).exit_code == 0
    # stop and delete of a missing VM succeed
    assert call(mockcloud, "stop", backend, name="i-9-9-VM").exit_code == 0
    assert call(mockcloud, "delete", backend, name="i-9-9-VM").exit_code == 0
    bogus = call(mockcloud, "bogus", backend)
    assert (bogus.exit_code, json.loads(bogus.stdout)) == (
        1,
        {"status": "error", "error": "Invalid action"},
    )
    missing = call(mockcloud, "status", backend, host={"url": backend.url})
    assert json.loads(missing.stdout)["error"] == "Missing required fields: token"
    # every run is recorded; payload files are gone; the token never reached argv or logs
    assert ExtensionRun.objects.filter(extension=mockcloud).count() == 11
    assert not any((plugins_dir / "runs").iterdir())
    assert not ExtensionRun.objects.filter(stdout__contains=TOKEN).exists()


def test_custom_action_parameters_are_typed(mockcloud, backend):
    action = mockcloud.custom_actions.get(name="Resize")
    with pytest.raises(ValidationError) as error:
        validate_parameters(action, {"cpus": "many"})
    assert "cpus" in error.value.message_dict
    with pytest.raises(ValidationError):
        validate_parameters(action, {})
    assert validate_parameters(action, {"cpus": "4"}) == {"cpus": 4}
    call(mockcloud, "create", backend)
    run_ = call(mockcloud, "Resize", backend, action="Resize", parameters={"cpus": 4})
    assert json.loads(run_.stdout) == {
        "status": "success",
        "printmessage": "true",
        "message": "Now 4 CPUs",
    }
    assert backend.vms["i-2-100-VM"]["cpus"] == 4


def test_disabled_extension_does_not_run(mockcloud, backend, root_admin):
    set_extension_enabled(mockcloud, False, acting_user=root_admin)
    with pytest.raises(ValidationError):
        call(mockcloud, "status", backend)


def test_each_edit_is_a_version_and_rollback_runs_the_old_one(mockcloud, backend, root_admin):
    version1 = mockcloud.versions.get(number=1)
    files = dict(version1.files)
    files["mockcloud.py"] = files["mockcloud.py"].replace('"Instance created"', '"Created by v2"')
    update_extension(mockcloud, acting_user=root_admin, files=files, comment="new message")
    assert mockcloud.current_version == 2 and mockcloud.versions.count() == 2
    assert json.loads(call(mockcloud, "create", backend).stdout)["message"] == "Created by v2"
    rollback_extension(mockcloud, acting_user=root_admin)
    assert mockcloud.current_version == 1
    assert (
        json.loads(call(mockcloud, "create", backend, name="i-2-101-VM").stdout)["message"]
        == "Instance created"
    )


def test_install_script_extension_from_a_catalog(
    plugins_dir, directory_catalog, root_admin, tmp_path, no_broker, transactional_db
):
    from marketplace.services import request_install

    archive = zip_directory(MOCKCLOUD, tmp_path / "mockcloud-1.0.0.zip")
    directory_catalog(
        [{"id": "org.example.mockcloud", "kind": "script", "artifact": archive, "version": "1.0.0"}]
    )
    job = run(request_install(acting_user=root_admin, plugin_id="org.example.mockcloud"))
    assert job.status == "succeeded", job.error_text
    extension = Extension.objects.get(name="MockCloud")
    assert extension.enabled is False and extension.requires_prepare_vm
    assert extension.custom_actions.get().parameters[0]["type"] == "NUMBER"


def test_cloudstack_manifest_is_mapped():
    manifest = from_cloudstack_manifest(
        """
apiVersion: cloudstack.apache.org/v1
kind: OrchestratorExtension
metadata: {name: proxmox, displayName: Proxmox, description: PVE, version: 1.2.0, maintainer: ACS}
spec:
  type: Orchestrator
  entrypoint: {language: python, path: proxmox.py}
  orchestrator: {requiresPrepareVm: true}
  details: {realm: pam}
  customActions:
    - name: CreateSnapshot
      resourcetype: VirtualMachine
      timeout: 60
      parameters: [{name: snap_name, type: STRING, required: true}]
"""
    )
    assert manifest["entrypoint"] == "proxmox.py" and manifest["requires_prepare_vm"] is True
    assert manifest["custom_actions"][0]["parameters"][0]["name"] == "snap_name"
    assert manifest["details"] == {"realm": "pam"}


def test_index_lists_script_items(tmp_path):
    archive = zip_directory(MOCKCLOUD, tmp_path / "m.zip")
    index = write_index(
        tmp_path, [{"id": "x", "kind": "script", "artifact": archive, "version": "1"}]
    )
    assert json.loads(index.read_text())["items"][0]["kind"] == "script"


def test_scripts_the_entry_point_runs_are_executable(plugins_dir, root_admin):
    """No file modes are stored: every file with a ``#!`` line is materialised executable,
    so an entry point may exec a sibling (CloudStack's proxmox.sh execs proxmox.py)."""
    from marketplace.services.extensions import create_extension

    extension = create_extension(
        acting_user=root_admin,
        name="Wrapper",
        entrypoint="run.sh",
        files={
            "run.sh": '#!/bin/sh\nexec "$(dirname "$0")/lib/helper.sh" "$@"\n',
            "lib/helper.sh": '#!/bin/sh\nprintf \'{"status": "success", "action": "%s"}\' "$1"\n',
            "README": "not a script\n",
        },
        enabled=True,
    )
    result = run_action(extension, "status", {})
    assert result.success, result.stderr
    assert json.loads(result.stdout) == {"status": "success", "action": "status"}
