"""deleteVlanIpRange, dedicate/releasePublicIpRange and the dedicated guest VLAN ranges on
/client/api: dedicated ranges serve only their account or domain when allocating."""

import pytest

from networking.services import InsufficientCapacity

pytestmark = pytest.mark.django_db


@pytest.fixture
def physical(seeded):
    from networking.services import create_physical_network

    return create_physical_network(
        acting_user=None, zone=seeded["zone"], name="guest", vlan_range="100-104"
    )


@pytest.fixture
def public_range(physical):
    from networking.services import create_public_ip_range

    return create_public_ip_range(
        acting_user=None,
        zone=physical.zone,
        physical_network=physical,
        gateway="198.51.100.1",
        netmask="255.255.255.0",
        start_ip="198.51.100.10",
        end_ip="198.51.100.12",
    )


def _error(api, name, **params):
    response = api.raw(name, **params)
    body = response.json()[f"{name.lower()}response"]
    return response.status_code, body.get("errortext", "")


def test_public_range_dedicated_to_an_account(
    cs_client, root_admin, tenant, other_tenant, public_range
):
    from networking.services import allocate_public_ip

    admin = cs_client(root_admin)
    account = tenant.account
    answer = admin(
        "dedicatePublicIpRange",
        id=str(public_range.uuid),
        account=account.name,
        domainid=str(account.domain.uuid),
    )["vlaniprange"]
    assert answer["account"] == account.name
    assert answer["domainid"] == str(account.domain.uuid)
    assert answer["startip"] == "198.51.100.10"
    listed = admin("listVlanIpRanges", id=str(public_range.uuid))["vlaniprange"][0]
    assert listed["account"] == account.name
    # only that account gets its addresses
    zone = public_range.zone
    with pytest.raises(InsufficientCapacity) as err:
        allocate_public_ip(other_tenant.account, zone, acting_user=other_tenant)
    assert "No free public IP" in str(err.value)
    ip = allocate_public_ip(account, zone, acting_user=tenant)
    assert ip.address.startswith("198.51.100.")
    # allocated to the account: cannot be deleted, dedicated again, and only released
    assert _error(admin, "deleteVlanIpRange", id=str(public_range.uuid)) == (
        431,
        "1 address(es) of the range are allocated.",
    )
    code, text = _error(
        admin,
        "dedicatePublicIpRange",
        id=str(public_range.uuid),
        domainid=str(account.domain.uuid),
    )
    assert code == 431 and "already dedicated" in text
    assert admin("releasePublicIpRange", id=str(public_range.uuid)) == {"success": True}
    assert "account" not in admin("listVlanIpRanges")["vlaniprange"][0]
    code, text = _error(admin, "releasePublicIpRange", id=str(public_range.uuid))
    assert code == 431 and "not dedicated" in text
    # someone else's address in the range refuses a dedication to another account
    code, text = _error(
        admin,
        "dedicatePublicIpRange",
        id=str(public_range.uuid),
        account=other_tenant.account.name,
        domainid=str(other_tenant.account.domain.uuid),
    )
    assert code == 431 and "allocated to another account" in text


def test_public_range_dedicated_to_a_domain_and_deleted(
    cs_client, root_admin, tenant, other_tenant, public_range
):
    from networking.models import PublicIpRange
    from networking.services import allocate_public_ip

    admin = cs_client(root_admin)
    domain = tenant.account.domain
    answer = admin("dedicatePublicIpRange", id=str(public_range.uuid), domainid=str(domain.uuid))
    assert answer["vlaniprange"]["domain"] == domain.name
    assert "account" not in answer["vlaniprange"]
    with pytest.raises(InsufficientCapacity):
        allocate_public_ip(other_tenant.account, public_range.zone, acting_user=other_tenant)
    assert admin("deleteVlanIpRange", id=str(public_range.uuid)) == {"success": True}
    assert not PublicIpRange.objects.filter(pk=public_range.pk).exists()
    code, _ = _error(admin, "deleteVlanIpRange", id=str(public_range.uuid))
    assert code == 431


def test_ip_range_commands_are_operators_only(cs_client, tenant, domain_admin, public_range):
    for user in (tenant, domain_admin):
        api = cs_client(user)
        for name in (
            "deleteVlanIpRange",
            "dedicatePublicIpRange",
            "releasePublicIpRange",
            "dedicateGuestVlanRange",
            "listDedicatedGuestVlanRanges",
            "releaseDedicatedGuestVlanRange",
        ):
            assert api.raw(name, id=str(public_range.uuid)).status_code == 432, name


def test_dedicated_guest_vlans_go_to_their_owner_only(
    cs_client, root_admin, tenant, other_tenant, physical
):
    from networking.services import allocate_guest_vlan
    from tests.factories import NetworkFactory

    admin = cs_client(root_admin)
    account = tenant.account
    dedicated = admin(
        "dedicateGuestVlanRange",
        physicalnetworkid=str(physical.uuid),
        vlanrange="102-103",
        account=account.name,
        domainid=str(account.domain.uuid),
    )["dedicatedguestvlanrange"]
    assert dedicated["guestvlanrange"] == "102-103"
    assert dedicated["account"] == account.name
    assert dedicated["zoneid"] == str(physical.zone.uuid)
    listed = admin("listDedicatedGuestVlanRanges", physicalnetworkid=str(physical.uuid))
    assert [r["id"] for r in listed["dedicatedguestvlanrange"]] == [dedicated["id"]]
    assert admin("listDedicatedGuestVlanRanges", account=account.name)["count"] == 1
    assert admin("listDedicatedGuestVlanRanges", guestvlanrange="100-101") == {}

    def network(owner):
        return NetworkFactory(zone=physical.zone, physical_network=physical, account=owner)

    # the owner gets its dedicated VLANs first; the others never get them
    assert allocate_guest_vlan(network(account)).vnet == 102
    others = [allocate_guest_vlan(network(other_tenant.account)).vnet for _ in range(3)]
    assert others == [100, 101, 104]
    assert allocate_guest_vlan(network(account)).vnet == 103
    with pytest.raises(InsufficientCapacity) as err:
        allocate_guest_vlan(network(other_tenant.account))
    assert "No free guest VLAN" in str(err.value)

    # overlapping, out-of-range and in-use-by-another-owner ranges are refused
    for vlanrange, text in (
        ("103-104", "overlaps"),
        ("150-151", "not all in the guest VLAN range"),
        ("x-y", "not a VLAN range"),
        ("104-100", "after the last"),
        ("100-100", "in use by network"),
    ):
        code, errortext = _error(
            admin,
            "dedicateGuestVlanRange",
            physicalnetworkid=str(physical.uuid),
            vlanrange=vlanrange,
            account=account.name,
            domainid=str(account.domain.uuid),
        )
        assert code == 431 and text in errortext, (vlanrange, errortext)
    code, errortext = _error(
        admin, "dedicateGuestVlanRange", physicalnetworkid=str(physical.uuid), vlanrange="104"
    )
    assert code == 431 and "account, project or domain" in errortext

    job = admin("releaseDedicatedGuestVlanRange", id=dedicated["id"])
    assert admin("queryAsyncJobResult", jobid=job["jobid"])["jobresult"] == {"success": True}
    assert admin("listDedicatedGuestVlanRanges") == {}


def test_guest_vlans_dedicated_to_a_domain(cs_client, root_admin, tenant, other_tenant, physical):
    from networking.services import allocate_guest_vlan
    from tests.factories import AccountFactory, NetworkFactory

    admin = cs_client(root_admin)
    domain = tenant.account.domain
    answer = admin(
        "dedicateGuestVlanRange",
        physicalnetworkid=str(physical.uuid),
        vlanrange="100-100",
        domainid=str(domain.uuid),
    )["dedicatedguestvlanrange"]
    assert answer["domain"] == domain.name and "account" not in answer
    neighbour = AccountFactory(domain=domain)
    first = NetworkFactory(
        zone=physical.zone, physical_network=physical, account=other_tenant.account
    )
    assert allocate_guest_vlan(first).vnet == 101
    mine = NetworkFactory(zone=physical.zone, physical_network=physical, account=neighbour)
    assert allocate_guest_vlan(mine).vnet == 100
