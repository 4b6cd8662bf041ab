"""Secrets out of the web server's access log.

CloudStack clients (cloudmonkey, cs, Ansible) send every command as a GET, so passwords,
secret keys and credentials inside URLs (``cifs://...?user=U&password=P``) arrive in the
query string, which ``runserver`` (logger ``django.server``) and gunicorn's access log
would print. Their values are replaced by ``***``, also when URL-encoded inside another
parameter's value.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

SENSITIVE = ("password", "secretkey", "secret_key", "sessionkey", "token", "currentpassword")
# name=value, where "=" may be encoded once (%3D) or twice (%253D) inside a nested URL; the
# value ends at the next separator at the same or an outer level, or at the request line end.
_PATTERN = re.compile(
    r"(?:(?<=[?&\s])|(?<=%26)|(?<=%3F)|(?<=%2526)|(?<=%253F))"  # starts a parameter
    r"(?P<name>" + "|".join(SENSITIVE) + r")(?P<eq>=|%3D|%253D)"
    r"(?P<value>(?:(?!%26|%2526|&|\s|\")[^&\s\"])*)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with the values of sensitive parameters replaced by ``***``."""
    return _PATTERN.sub(lambda m: f"{m['name']}{m['eq']}***", text)


class RedactSecrets(logging.Filter):
    """Logging filter: formats the record and redacts it (used on ``django.server``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with the request line and query string of access logs redacted
    (``--logger-class portal.logredact.RedactingGunicornLogger``)."""

    def atoms(self, resp, req, environ, request_time):  # noqa: D102 - gunicorn's hook
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q"):  # the request line and the query string
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
