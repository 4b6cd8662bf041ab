"""XML answers: CloudStack's default format (no ``response``, or anything but json), the same
content as JSON in upstream's shape (ApiResponseSerializer.toXMLSerializedString)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from portal.cloudstack.serialise import to_xml
from portal.cloudstack.signing import sign

pytestmark = pytest.mark.django_db

XML = "text/xml; charset=UTF-8"


def xml_call(api, command, response=None, **params):
    """A signed GET without ``response`` (or with the given value)."""
    data = api.params(command, **params)
    data.pop("signature")
    if response is None:
        data.pop("response")
    else:
        data["response"] = response
    data["signature"] = sign(data, api.pair.secret_key)
    return api.client.get("/client/api?" + urlencode(data))


def from_json(value):
    """JSON answer -> what its XML carries: every field a list of values, as text."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            items = [from_json(i) for i in items if i is not None]
            if items:
                out[key] = items
        return out or ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_xml(element):
    if len(element) == 0:
        return element.text or ""
    out: dict = {}
    for child in element:
        out.setdefault(child.tag, []).append(from_xml(child))
    return out


def same_content(api, command, **params):
    as_json = api.raw(command, **params).json()[f"{command.lower()}response"]
    response = xml_call(api, command, **params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XML
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == f"{command.lower()}response"
    assert root.attrib == {"cloud-stack-version": "4.19.0.0"}
    assert from_xml(root) == from_json(as_json)
    return root


def test_lists_in_xml_are_count_then_repeated_items(cs_client, root_admin, seeded):
    from tests.factories import ZoneFactory

    ZoneFactory(name='odd <&> "zone\'s" name')
    api = cs_client(root_admin)
    root = same_content(api, "listZones")
    assert root[0].tag == "count" and root[0].text == "2"
    assert [child.tag for child in root[1:]] == ["zone", "zone"]
    assert 'odd <&> "zone\'s" name' in {z.findtext("name") for z in root.findall("zone")}
    same_content(api, "listServiceOfferings")
    same_content(api, "listApis", name="deployVirtualMachine")


def test_any_response_value_but_json_is_xml(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    assert xml_call(api, "listZones", response="xml")["Content-Type"] == XML
    assert xml_call(api, "listZones", response="html")["Content-Type"] == XML
    json_answer = xml_call(api, "listZones", response="JSON")
    assert json_answer["Content-Type"].startswith("application/json")


def test_empty_list_is_a_bare_root(cs_client, root_admin, defaults):
    root = ET.fromstring(xml_call(cs_client(root_admin), "listZones").content)
    assert root.tag == "listzonesresponse" and len(root) == 0


@pytest.fixture
def zone_admin(cs_client, root_admin, defaults, monkeypatch):
    """A root admin's client (jobs are not sent to a broker) and a zone it created."""
    from portal.services import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)
    api = cs_client(root_admin)
    zone = api(
        "createZone", name="z1", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2"
    )["zone"]
    return api, zone


def test_async_job_result_nests_the_object(zone_admin):
    api, zone = zone_admin
    created = xml_call(api, "createPhysicalNetwork", zoneid=zone["id"], name="ph1", vlan="5-9")
    root = ET.fromstring(created.content)
    assert root.tag == "createphysicalnetworkresponse"
    assert [c.tag for c in root] == ["jobid", "id"]  # async answers carry their fields bare
    job = same_content(api, "queryAsyncJobResult", jobid=root.findtext("jobid"))
    assert job.findtext("jobstatus") == "1"
    assert job.find("jobresult/physicalnetwork").findtext("vlan") == "5-9"


def test_errors_in_xml(cs_client, root_admin, client, defaults):
    response = xml_call(cs_client(root_admin), "deployVirtualMachine", serviceofferingid="x")
    assert response.status_code == 431 and response["Content-Type"] == XML
    root = ET.fromstring(response.content)
    assert root.tag == "deployvirtualmachineresponse"
    assert [c.tag for c in root] == ["errorcode", "cserrorcode", "errortext"]
    assert root.findtext("errorcode") == "431"
    assert "missing parameter zoneid" in root.findtext("errortext")
    unknown = ET.fromstring(xml_call(cs_client(root_admin), "frobnicate").content)
    assert unknown.tag == "errorresponse" and unknown.findtext("errorcode") == "432"
    anonymous = client.get("/client/api?command=listZones")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == XML
    root = ET.fromstring(anonymous.content)
    assert root.tag == "listzonesresponse" and root.attrib == {}  # no version before auth
    assert root.findtext("errorcode") == "401"


def test_login_and_logout_in_xml(client, tenant, defaults):
    domain = tenant.account.domain.path
    bad = client.post("/client/api", {"command": "login", "username": "x", "password": "y"})
    assert bad.status_code == 531 and ET.fromstring(bad.content).attrib == {}  # no version
    response = client.post(
        "/client/api",
        {"command": "login", "username": tenant.username, "password": "Secret-pass-1",
         "domain": domain},
    )  # fmt: skip
    assert response.status_code == 200 and response["Content-Type"] == XML
    root = ET.fromstring(response.content)
    assert root.tag == "loginresponse"
    key = root.findtext("sessionkey")
    assert key and root.findtext("username") == tenant.username
    out = client.get(f"/client/api?command=logout&sessionkey={key}")
    assert ET.fromstring(out.content).findtext("description") == "success"


def test_serialiser_shapes():
    text = to_xml(
        "xresponse",
        {"a": True, "b": None, "c": [], "nic": [{"id": 1}, {"id": 2}], "d": {"e f": "<v>"}},
        "4.19.0.0",
    )
    assert text == (
        '<?xml version="1.0" encoding="UTF-8"?><xresponse cloud-stack-version="4.19.0.0">'
        "<a>true</a><nic><id>1</id></nic><nic><id>2</id></nic>"
        '<d><entry key="e f">&lt;v&gt;</entry></d></xresponse>'
    )
