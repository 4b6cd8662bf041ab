"""Fixtures for the CloudStack API tests: API keys, a signing test client, a seeded cloud."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from portal.cloudstack.signing import sign


class CloudStackClient:
    """Signs requests like cs does (v3 with expires) and calls /client/api in-process."""

    def __init__(self, client, pair, *, version3: bool = True):
        self.client, self.pair, self.version3 = client, pair, version3

    def params(self, command: str, **params) -> dict[str, str]:
        out = {"command": command, "response": "json", "apiKey": self.pair.api_key}
        if self.version3:
            out |= {"signatureVersion": "3", "expires": "2099-01-01T00:00:00+0000"}
        out |= {k: str(v) for k, v in params.items()}
        out["signature"] = sign(out, self.pair.secret_key)
        return out

    def raw(self, command: str, method: str = "get", **params):
        data = self.params(command, **params)
        if method == "post":
            return self.client.post(
                "/client/api",
                data=urlencode(data),
                content_type="application/x-www-form-urlencoded",
            )
        return self.client.get("/client/api?" + urlencode(data))

    def __call__(self, command: str, **params) -> dict:
        response = self.raw(command, **params)
        body = response.json()
        assert response.status_code == 200, body
        assert list(body) == [f"{command.lower()}response"], body
        return body[f"{command.lower()}response"]


def make_key(user):
    from portal.services.apikeys import create_api_key

    return create_api_key(acting_user=user, user=user)


@pytest.fixture
def cs_client(client):
    """``cs_client(user)`` -> a signing client acting as ``user``."""

    def make(user, **kwargs):
        return CloudStackClient(client, make_key(user), **kwargs)

    return make


@pytest.fixture
def seeded(defaults):
    """A zone, pod, cluster, host, offerings and a ready template (no agent behind it)."""
    from compute.choices import AllocationState
    from tests.factories import (
        ClusterFactory,
        DiskOfferingFactory,
        HostFactory,
        ServiceOfferingFactory,
        StoragePoolFactory,
        TemplateFactory,
        ZoneFactory,
    )

    zone = ZoneFactory(allocation_state=AllocationState.ENABLED)
    cluster = ClusterFactory(pod__zone=zone, zone=zone)
    host = HostFactory(cluster=cluster)
    pool = StoragePoolFactory(zone=zone, pod=cluster.pod, cluster=cluster)
    offering = ServiceOfferingFactory()
    disk = DiskOfferingFactory()
    template = TemplateFactory(zone=None, is_public=True, is_featured=True)
    return {
        "zone": zone,
        "cluster": cluster,
        "host": host,
        "pool": pool,
        "offering": offering,
        "disk": disk,
        "template": template,
    }


from tests.cloudstack.external_fixtures import (  # noqa: E402, F401  (fixtures)
    external_zone,
    live_cs_api,
    mockcloud_backend,
)
