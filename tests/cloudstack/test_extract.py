"""extractTemplate/extractIso through the ``cs`` client against a live server: the job
answers a signed link that downloads the image from the (NFS-mounted) image store; a
tampered, foreign-named or expired link does not; other tenants and non-extractable
templates are refused with CloudStack's errors."""

import pytest
import requests
from cs import CloudStackApiException

from tests.cloudstack.live_api import cs_api

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE = b"QFI\xfb" + b"\x00" * 4092 + b"template bytes" * 100


@pytest.fixture
def stored(tmp_path, settings, defaults):
    """An NFS image store mounted under IMAGE_STORE_MOUNT_ROOT and a factory of images on it."""
    from storage.models import ImageStore
    from tests.factories import TemplateFactory

    settings.IMAGE_STORE_MOUNT_ROOT = tmp_path
    store = ImageStore.objects.create(
        name="sec", protocol="nfs", url="nfs://127.0.0.1/export", server="127.0.0.1", path="/x"
    )

    def make(account, *, is_iso=False, **kwargs):
        template = TemplateFactory(
            account=account,
            is_iso=is_iso,
            format="ISO" if is_iso else "QCOW2",
            hypervisor="" if is_iso else "Simulator",
            zone=None,
            is_public=False,
            image_store=store,
            **kwargs,
        )
        path = tmp_path / str(store.uuid) / "template" / f"{template.uuid}.img"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(IMAGE)
        template.install_path = str(path)
        template.save(update_fields=["install_path"])
        return template

    return make


def test_extract_template_and_iso_download(live_server, stored, tenant):
    template = stored(tenant.account, is_extractable=True)
    iso = stored(tenant.account, is_iso=True, is_extractable=True)
    api = cs_api(live_server, tenant)

    out = api.extractTemplate(id=str(template.uuid), mode="HTTP_DOWNLOAD")["template"]
    assert out["id"] == str(template.uuid)
    assert out["extractMode"] == "HTTP_DOWNLOAD" and out["state"] == "DOWNLOAD_URL_CREATED"
    assert out["url"].startswith(live_server.url + "/storage/extract/")
    response = requests.get(out["url"], timeout=10)
    assert response.status_code == 200 and response.content == IMAGE
    assert out["url"].endswith(".qcow2")

    iso_out = api.extractIso(id=str(iso.uuid), mode="HTTP_DOWNLOAD")["iso"]
    assert iso_out["url"].endswith(".iso")
    assert requests.get(iso_out["url"], timeout=10).content == IMAGE

    # the token is the credential: any change to it, or another file name, is a 404
    token_url = out["url"]
    base, name = token_url.rsplit("/", 1)
    for bad in (base[:-3] + "abc/" + name, base + "/" + iso_out["url"].rsplit("/", 1)[1]):
        assert requests.get(bad, timeout=10).status_code == 404
    assert requests.post(token_url, timeout=10).status_code in (403, 405)  # CSRF or method


def test_expired_link_is_gone(live_server, stored, tenant, settings):
    template = stored(tenant.account, is_extractable=True)
    api = cs_api(live_server, tenant)
    url = api.extractTemplate(id=str(template.uuid), mode="HTTP_DOWNLOAD")["template"]["url"]
    settings.EXTRACT_URL_EXPIRATION_S = -1
    response = requests.get(url, timeout=10)
    assert response.status_code == 410 and b"expired" in response.content


def test_extract_errors_roles_and_tenants(live_server, stored, tenant, other_tenant, root_admin):
    from storage.choices import TemplateState

    mine = stored(tenant.account, is_extractable=True)
    locked = stored(tenant.account, is_extractable=False)
    half = stored(tenant.account, is_extractable=True, state=TemplateState.DOWNLOADING)
    api = cs_api(live_server, tenant)
    other = cs_api(live_server, other_tenant)
    for call, params, text in (
        (api.extractTemplate, {"id": str(locked.uuid), "mode": "HTTP_DOWNLOAD"}, "extractable"),
        (api.extractTemplate, {"id": str(half.uuid), "mode": "HTTP_DOWNLOAD"}, "cannot be"),
        (api.extractTemplate, {"id": str(mine.uuid), "mode": "FTP_UPLOAD"}, "not supported"),
        (api.extractTemplate, {"id": str(mine.uuid), "mode": "SCP"}, "valid extract Mode"),
        (api.extractTemplate, {"id": str(mine.uuid)}, "mode"),
        (
            api.extractTemplate,
            {"id": str(mine.uuid), "mode": "HTTP_DOWNLOAD", "url": "ftp://x"},
            "url",
        ),
        (api.extractIso, {"id": str(mine.uuid), "mode": "HTTP_DOWNLOAD"}, "id"),
        (other.extractTemplate, {"id": str(mine.uuid), "mode": "HTTP_DOWNLOAD"}, "id"),
    ):
        with pytest.raises(CloudStackApiException) as err:
            call(**params)
        assert err.value.error["errorcode"] == 431, (params, err.value.error)
        assert text in err.value.error["errortext"], (params, err.value.error)
    # a root admin extracts even a template not marked extractable, as upstream
    admin = cs_api(live_server, root_admin)
    url = admin.extractTemplate(id=str(locked.uuid), mode="HTTP_DOWNLOAD")["template"]["url"]
    assert requests.get(url, timeout=10).content == IMAGE


@pytest.mark.parametrize(
    "role_name,allowed",
    [
        ("Root Admin", True),
        ("Domain Admin", True),
        ("User", True),
        ("Read-Only User - Default", False),
        ("Read-Only Admin - Default", False),
    ],
)
def test_role_matrix(role_name, allowed, defaults):
    from portal.models import Role

    role = Role.objects.get(name=role_name)
    assert role.allows("extractTemplate") is allowed
    assert role.allows("extractIso") is allowed
