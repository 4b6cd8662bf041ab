"""Secrets sent in query strings (CloudStack clients use GET) never reach the access logs."""

import logging

from portal.logredact import RedactingGunicornLogger, RedactSecrets, redact

LINE = (
    "GET /client/api?command=addHost&username=root&password=1pass%40word1&zoneid=z"
    "&url=cifs%3A%2F%2F127.0.0.1%2Fsecondary%3Fuser%3Dadministrator%26password%3D1pass%2540word1"
    "&secretkey=abc123&apiKey=PUBLIC&sessionkey=s1 HTTP/1.1"
)


def test_values_of_sensitive_parameters_are_replaced_also_inside_encoded_urls():
    cleaned = redact(LINE)
    assert "1pass" not in cleaned and "abc123" not in cleaned and "s1 " not in cleaned
    assert "password=***&zoneid=z" in cleaned
    assert "user%3Dadministrator%26password%3D***&secretkey=***&apiKey=PUBLIC" in cleaned
    assert cleaned.endswith("sessionkey=*** HTTP/1.1")
    assert redact("GET /client/api?command=listZones HTTP/1.1").endswith("listZones HTTP/1.1")


def test_runserver_request_log_is_redacted(caplog):
    logger = logging.getLogger("django.server")
    record = logger.makeRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (LINE, 200, 10), None)  # fmt: skip
    assert RedactSecrets().filter(record)
    assert "1pass" not in record.getMessage() and '" 200 10' in record.getMessage()


def test_gunicorn_access_atoms_are_redacted():
    from datetime import timedelta
    from types import SimpleNamespace

    query = LINE.split("?", 1)[1].rsplit(" ", 1)[0]
    environ = {"RAW_URI": f"/client/api?{query}", "QUERY_STRING": query}
    environ |= {"SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_METHOD": "GET"}
    req = SimpleNamespace(method="GET", path="/client/api", query=query, headers=[])
    resp = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    logger = RedactingGunicornLogger.__new__(RedactingGunicornLogger)  # no config needed
    atoms = logger.atoms(resp, req, environ, timedelta(seconds=1))
    assert "1pass" not in atoms["r"] and "1pass" not in atoms["q"]
    assert "apiKey=PUBLIC" in atoms["q"]
