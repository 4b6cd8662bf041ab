"""Transport, authentication, envelopes and errors of /client/api."""

from urllib.parse import urlencode

import pytest

from portal.cloudstack.signing import sign

pytestmark = pytest.mark.django_db

JSON = "application/json; charset=UTF-8"


def test_signed_get_lists_zones(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    response = api.raw("listZones")
    assert response.status_code == 200
    assert response["Content-Type"] == JSON
    body = response.json()["listzonesresponse"]
    assert body["count"] == 1
    assert body["zone"][0]["id"] == str(seeded["zone"].uuid)
    assert body["zone"][0]["name"] == seeded["zone"].name


def test_signed_post_form_and_trailing_slash(cs_client, root_admin, seeded, client):
    api = cs_client(root_admin)
    assert api.raw("listZones", method="post").json()["listzonesresponse"]["count"] == 1
    data = api.params("listZones")
    assert client.get("/client/api/?" + urlencode(data)).status_code == 200


def test_v2_signature_without_expiry(cs_client, root_admin, seeded):
    api = cs_client(root_admin, version3=False)
    assert api("listZones")["count"] == 1


def test_lowercase_signatureversion_and_expired_request(cs_client, root_admin, client, defaults):
    api = cs_client(root_admin)
    params = {
        "command": "listZones",
        "response": "json",
        "apiKey": api.pair.api_key,
        "signatureversion": "3",
        "expires": "2099-01-01T00:00:00Z",
    }
    params["signature"] = sign(params, api.pair.secret_key)
    assert client.get("/client/api?" + urlencode(params)).status_code == 200
    params["expires"] = "2001-01-01T00:00:00+0000"
    params["signature"] = sign(params, api.pair.secret_key)
    response = client.get("/client/api?" + urlencode(params))
    assert response.status_code == 401
    assert response.json()["listzonesresponse"]["errorcode"] == 401


def test_v3_without_expires_is_refused(cs_client, root_admin, client, defaults):
    api = cs_client(root_admin, version3=False)
    params = {
        "command": "listZones",
        "response": "json",
        "apiKey": api.pair.api_key,
        "signatureVersion": "3",
    }
    params["signature"] = sign(params, api.pair.secret_key)
    assert client.get("/client/api?" + urlencode(params)).status_code == 401


def test_bad_signature_and_revoked_key(cs_client, root_admin, client, defaults):
    from portal.services.apikeys import revoke_api_key

    api = cs_client(root_admin)
    params = api.params("listZones")
    params["signature"] = "AAAA" + params["signature"][4:]
    response = client.get("/client/api?" + urlencode(params))
    assert response.status_code == 401
    assert response["Content-Type"] == JSON
    body = response.json()["listzonesresponse"]
    assert body == {
        "uuidList": [],
        "errorcode": 401,
        "errortext": "unable to verify user credentials and/or request signature",
    }
    assert api.raw("listZones").status_code == 200
    revoke_api_key(api.pair, acting_user=root_admin)
    assert api.raw("listZones").status_code == 401


def test_tilde_in_value_accepted_both_ways(cs_client, root_admin, client, defaults):
    from urllib.parse import quote

    api = cs_client(root_admin)
    params = {
        "command": "listZones",
        "response": "json",
        "apiKey": api.pair.api_key,
        "keyword": "a~b[x]",
    }
    # libcloud's variant: "~", "[" and "]" left raw in the string to sign
    text = "&".join(
        f"{k.lower()}={quote(v, safe='[]*~')}".lower()
        for k, v in sorted(params.items(), key=lambda kv: kv[0].lower())
    )
    import base64
    import hashlib
    import hmac

    sig = base64.b64encode(
        hmac.new(api.pair.secret_key.encode(), text.encode(), hashlib.sha1).digest()
    ).decode()
    assert client.get("/client/api?" + urlencode(params | {"signature": sig})).status_code == 200
    strict = sign(params, api.pair.secret_key)
    assert client.get("/client/api?" + urlencode(params | {"signature": strict})).status_code == 200


def test_no_credentials_is_401(client, defaults):
    response = client.get("/client/api?command=listZones&response=json")
    assert response.status_code == 401
    assert response["Content-Type"] == JSON
    assert response.json()["listzonesresponse"]["errorcode"] == 401


def test_unknown_command_is_432_errorresponse(cs_client, root_admin):
    response = cs_client(root_admin).raw("frobnicateWidgets")
    assert response.status_code == 432
    body = response.json()
    assert list(body) == ["errorresponse"]
    assert body["errorresponse"]["errorcode"] == 432
    assert "does not exist or it is not available" in body["errorresponse"]["errortext"]
    assert response["X-Description"]


def test_missing_parameter_is_431_under_command_key(cs_client, root_admin):
    response = cs_client(root_admin).raw("deployVirtualMachine", serviceofferingid="x")
    assert response.status_code == 431
    body = response.json()["deployvirtualmachineresponse"]
    assert body["errorcode"] == 431
    assert body["cserrorcode"] == 9999
    assert body["uuidList"] == []
    assert "missing parameter zoneid" in body["errortext"]
    assert response["X-Description"] == body["errortext"]


def test_parameter_names_case_insensitive_and_unknown_ignored(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    body = api("listZones", ID=str(seeded["zone"].uuid), templatefilter="all", bogus="1")
    assert body["count"] == 1


def test_bad_uuid_is_431(cs_client, root_admin, seeded):
    response = cs_client(root_admin).raw("listZones", id="not-a-uuid")
    assert response.status_code == 431


def test_malformed_map_parameter_is_430(cs_client, root_admin, seeded):
    response = cs_client(root_admin).raw("listZones", **{"tags[0.key": "x"})
    assert response.status_code == 430


def test_empty_list_is_empty_object(cs_client, root_admin, defaults):
    assert cs_client(root_admin)("listZones") == {}


def test_paging_rules(cs_client, root_admin, seeded):
    from tests.factories import ZoneFactory

    ZoneFactory.create_batch(4)
    api = cs_client(root_admin)
    page = api("listZones", page=2, pagesize=2)
    assert page["count"] == 5 and len(page["zone"]) == 2
    assert api("listZones", page=9, pagesize=2) == {"count": 5}
    assert api.raw("listZones", pagesize=2).status_code == 431
    assert api.raw("listZones", page=1).status_code == 431
    response = api.raw("listZones", page=1, pagesize=501)
    assert response.status_code == 431
    assert "500" in response.json()["listzonesresponse"]["errortext"]
    assert api("listZones", pagesize=-1)["count"] == 5


def test_login_session_and_logout(client, tenant, seeded):
    assert client.get("/client/api?command=login&username=x&password=y").status_code == 405
    bad = client.post(
        f"/client/api?command=login&username={tenant.username}&password=nope&response=json"
    )
    assert bad.status_code == 531
    assert bad.json()["loginresponse"]["errorcode"] == 531
    wrong_domain = client.post(
        f"/client/api?command=login&username={tenant.username}&password=Secret-pass-1&domain=/"
    )
    assert wrong_domain.status_code == 531
    domain = tenant.account.domain.path
    response = client.post(
        f"/client/api?command=login&username={tenant.username}&password=Secret-pass-1"
        f"&domain={domain.strip('/')}&response=json"
    )
    assert response.status_code == 200
    body = response.json()["loginresponse"]
    assert body["username"] == tenant.username and body["type"] == "0"
    key = body["sessionkey"]
    assert response.cookies["sessionkey"].value == key
    ok = client.get(f"/client/api?command=listServiceOfferings&response=json&sessionkey={key}")
    assert ok.status_code == 200 and ok.json()["listserviceofferingsresponse"]["count"] >= 1
    assert client.get("/client/api?command=listZones&response=json").status_code == 401
    assert client.get("/client/api?command=listZones&sessionkey=wrong").status_code == 401
    assert client.get(f"/client/api?command=nope&sessionkey={key}").status_code == 432
    out = client.get(f"/client/api?command=logout&sessionkey={key}&response=json")
    assert out.json() == {"logoutresponse": {"description": "success"}}
    assert (
        client.get(f"/client/api?command=listServiceOfferings&sessionkey={key}").status_code == 401
    )


def test_session_needs_the_cookie_too(client, tenant, seeded):
    domain = tenant.account.domain.path
    response = client.post(
        f"/client/api?command=login&username={tenant.username}&password=Secret-pass-1&domain={domain}"
        "&response=json"
    )
    key = response.json()["loginresponse"]["sessionkey"]
    assert client.get(f"/client/api?command=listDomains&sessionkey={key}").status_code == 200
    client.cookies.pop("sessionkey")
    assert client.get(f"/client/api?command=listDomains&sessionkey={key}").status_code == 401


def test_list_apis_and_capabilities(cs_client, root_admin, tenant):
    from portal.cloudstack.registry import REGISTRY

    body = cs_client(root_admin)("listApis")
    assert body["count"] == len(REGISTRY)
    apis = {a["name"]: a for a in body["api"]}
    deploy = apis["deployVirtualMachine"]
    assert deploy["isasync"] is True
    zoneid = next(p for p in deploy["params"] if p["name"] == "zoneid")
    assert zoneid["required"] is True and isinstance(zoneid["length"], int)
    assert isinstance(deploy["related"], str)
    assert any(r["name"] == "nic" and r["response"] for r in deploy["response"])
    assert {p["name"] for p in apis["listZones"]["params"]} >= {"keyword", "page", "pagesize"}
    assert "listVirtualMachines" in apis["deployVirtualMachine"]["related"]
    user_apis = {a["name"] for a in cs_client(tenant)("listApis")["api"]}
    assert "listVirtualMachines" in user_apis and "createZone" not in user_apis
    assert cs_client(tenant)("listApis", name="listVirtualMachines")["count"] == 1
    caps = cs_client(tenant)("listCapabilities")
    assert list(caps) == ["capability"] and caps["capability"]["cloudstackversion"]
