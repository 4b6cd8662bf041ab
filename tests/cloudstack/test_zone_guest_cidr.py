"""A zone's guest CIDR must be a network address: 10.1.1.5/24 (host bits set) is refused
by the service, so by the REST API and /client/api too, with a field error."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from compute.models import Zone
from compute.services import create_zone, update_zone

pytestmark = pytest.mark.django_db


def test_service_refuses_host_bits(root_admin):
    with pytest.raises(ValidationError) as info:
        create_zone(
            acting_user=root_admin,
            name="z1",
            dns1="8.8.8.8",
            internal_dns1="10.0.0.2",
            guest_cidr="10.1.1.5/24",
        )
    assert "10.1.1.0/24" in info.value.message_dict["guest_cidr"][0]
    zone = create_zone(
        acting_user=root_admin,
        name="z1",
        dns1="8.8.8.8",
        internal_dns1="10.0.0.2",
        guest_cidr="10.1.0.0/16",
    )
    with pytest.raises(ValidationError):
        update_zone(zone, acting_user=root_admin, guest_cidr="10.1.1.5/16")
    zone.refresh_from_db()
    assert zone.guest_cidr == "10.1.0.0/16"


def test_apis_answer_field_errors(api_client, cs_client, root_admin):
    response = api_client(root_admin).post(
        reverse("api:zone-list"),
        {
            "name": "z2",
            "dns1": "8.8.8.8",
            "internal_dns1": "10.0.0.2",
            "network_type": "Advanced",
            "guest_cidr": "10.1.1.5/24",
        },
        format="json",
    )
    assert response.status_code == 400 and "guest_cidr" in response.json(), response.content
    response = cs_client(root_admin).raw(
        "createZone",
        name="z3",
        dns1="8.8.8.8",
        internaldns1="10.0.0.2",
        networktype="Advanced",
        guestcidraddress="10.1.1.5/24",
    )
    assert response.status_code == 431, response.content
    assert "host bits" in response.json()["createzoneresponse"]["errortext"]
    assert not Zone.objects.exists()
