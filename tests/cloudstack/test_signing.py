"""Signature test vectors from the reference (CloudStack's developer guide key pair)."""

import pytest

from portal.cloudstack.signing import parse_expires, sign, signature_matches, string_to_sign

API_KEY = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
SECRET = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"


def test_example_a_list_users():
    params = {"command": "listUsers", "response": "json", "apiKey": API_KEY}
    assert string_to_sign(params) == (
        "apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg"
        "&command=listusers&response=json"
    )
    assert sign(params, SECRET) == "TTpdDq/7j/J58XCRHomKoQXEQds="


def test_example_b_v3_with_space_and_star():
    params = {
        "command": "deployVirtualMachine",
        "response": "json",
        "apiKey": API_KEY,
        "zoneid": "4a1b7a1c-0000-4000-8000-000000000001",
        "serviceofferingid": "so-1",
        "templateid": "t-1",
        "displayname": "My web server*1",
        "signatureVersion": "3",
        "expires": "2030-01-01T00:00:00+0000",
    }
    assert "&displayname=my%20web%20server*1&expires=2030-01-01t00%3a00%3a00%2b0000&" in (
        string_to_sign(params)
    )
    assert sign(params, SECRET) == "KX6JVUkzjahsA+EGMjEHVrLuw7Q="


def test_example_c_tilde_strict_and_lenient():
    params = {
        "command": "listVirtualMachines",
        "response": "json",
        "apiKey": API_KEY,
        "keyword": "a~b",
    }
    assert string_to_sign(params).endswith("&keyword=a%7eb&response=json")
    assert sign(params, SECRET) == "7hljPpYovuuqFXKL1/D8P96z4Zg="
    assert signature_matches(params, SECRET, "7hljPpYovuuqFXKL1/D8P96z4Zg=")
    assert signature_matches(params, SECRET, "90tBKimMqNI8VRxZT2e07wafuTs=")
    assert not signature_matches(params, SECRET, "TTpdDq/7j/J58XCRHomKoQXEQds=")


def test_signature_parameter_is_excluded_case_insensitively():
    params = {"command": "listUsers", "response": "json", "apiKey": API_KEY, "Signature": "x"}
    assert sign(params, SECRET) == "TTpdDq/7j/J58XCRHomKoQXEQds="


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-01T00:00:00+0000",
        "2030-01-01T00:00:00+00:00",
        "2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00.123+0000",
    ],
)
def test_expires_formats(value):
    parsed = parse_expires(value)
    assert parsed is not None and parsed.year == 2030 and parsed.utcoffset().total_seconds() == 0


def test_expires_without_offset_is_refused():
    assert parse_expires("2030-01-01T00:00:00") is None
    assert parse_expires("tomorrow") is None
