"""Request signatures exactly as CloudStack's ``ApiServer.verifyRequest`` computes them.

Values are encoded like Java's ``URLEncoder.encode(v, "UTF-8")`` with ``+`` turned into
``%20``; names are sorted case-sensitively and left as they are; the whole string is
lowercased and signed with HMAC-SHA1 (standard base64). cs and libcloud leave ``~`` (and
libcloud ``[``/``]``) unencoded, so those variants are accepted as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")
# Extra bytes some clients leave raw: none (Java), "~" (cs), "~[]" (libcloud).
VARIANTS = (frozenset(), frozenset(b"~"), frozenset(b"~[]"))


def java_urlencode(value: str, raw: frozenset = frozenset()) -> str:
    """``URLEncoder.encode(value, "UTF-8")`` then ``+`` -> ``%20`` (``raw`` bytes kept)."""
    out = []
    for byte in value.encode("utf-8"):
        if byte in _UNRESERVED or byte in raw:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("%20")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def string_to_sign(params: dict[str, str], raw: frozenset = frozenset()) -> str:
    """The lowercased ``name=ENC(value)`` string of every parameter but ``signature``."""
    items = sorted((k, v) for k, v in params.items() if k.lower() != "signature")
    return "&".join(f"{k}={java_urlencode(str(v), raw)}" for k, v in items).lower()


def sign(params: dict[str, str], secret: str, raw: frozenset = frozenset()) -> str:
    """The base64 HMAC-SHA1 signature of ``params`` with ``secret``."""
    digest = hmac.new(
        secret.encode("utf-8"), string_to_sign(params, raw).encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(params: dict[str, str], secret: str, given: str) -> bool:
    """Constant-time check of ``given`` against the Java encoding and the client variants."""
    ok = False
    for raw in VARIANTS:
        ok |= hmac.compare_digest(sign(params, secret, raw).encode(), given.encode())
    return ok


def parse_expires(value: str) -> datetime | None:
    """Parse ``expires`` (ISO 8601 with an offset: ``+0000``, ``+00:00`` or ``Z``)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
