"""The ``/client/api`` envelope in CloudStack's two formats, from one answer dict.

``response=json`` (any case) gives JSON; anything else, and no ``response`` at all, gives
XML, CloudStack's default. The XML follows upstream's ``ApiResponseSerializer``::

    <?xml version="1.0" encoding="UTF-8"?>
    <listzonesresponse cloud-stack-version="4.19.0.0">
      <count>2</count><zone><id>...</id>...</zone><zone>...</zone>
    </listzonesresponse>

one element per field, a list as the same element repeated (``nic``, ``tags``, the items
of a list answer), an object as nested elements (the async ``jobresult``, the
``virtualmachine`` of a create), ``true``/``false`` for booleans, nulls and empty lists
left out. The version attribute is only sent to authenticated callers, as upstream.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})
_ENCODER = DjangoJSONEncoder()


def wants_json(raw: dict[str, str]) -> bool:
    """CloudStack answers JSON only for ``response=json``."""
    value = next((v for k, v in raw.items() if k.lower() == "response"), "")
    return value.strip().lower() == "json"


def to_json(key: str, body: dict[str, Any]) -> str:
    return json.dumps({key: body}, cls=DjangoJSONEncoder)


def to_xml(key: str, body: dict[str, Any], version: str | None = None) -> str:
    attrs = f' cloud-stack-version="{_text(version)}"' if version else ""
    return f"{XML_DECLARATION}<{key}{attrs}>{''.join(_fields(body))}</{key}>"


def _fields(obj: dict[str, Any]):
    for name, value in obj.items():
        yield from _element(str(name), value)


def _element(name: str, value: Any):
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _element(name, item)
        return
    if _NAME.match(name):
        start, end = f"<{name}>", f"</{name}>"
    else:  # a map key that is no XML name (user-chosen detail names)
        start, end = f'<entry key="{_text(name)}">', "</entry>"
    inner = "".join(_fields(value)) if isinstance(value, dict) else _text(_scalar(value))
    yield f"{start}{inner}{end}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%dT%H:%M:%S%z") if isinstance(value, datetime) else str(value)
    return str(_ENCODER.default(value))


def _text(value: str) -> str:
    return value.translate(_ESCAPES)
