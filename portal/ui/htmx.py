"""htmx helpers: toasts through ``HX-Trigger``, partial detection, service error text."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

#: htmx stops polling an element when the response status is 286.
STOP_POLLING = 286


def is_partial(request, target: str | None = None) -> bool:
    """True for an htmx request that targets an element (not a boosted page load)."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted:
        return False
    return target is None or htmx.target == target


def add_toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Make htmx fire a ``toast`` event with ``message`` when the response arrives."""
    triggers = {}
    if response.get("HX-Trigger"):
        triggers = json.loads(response["HX-Trigger"])
    triggers["toast"] = {"message": message, "level": level}
    response["HX-Trigger"] = json.dumps(triggers)
    return response


def error_text(exc: Exception) -> str:
    """A one-line, user-facing description of a service refusal."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(msgs)}" if field != "__all__" else " ".join(msgs)
                for field, msgs in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or "You are not allowed to do that."
    return str(exc)


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form's fields (unknown ones: non-field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                message = " ".join(error.messages)
                if target is None and field != "__all__":
                    message = f"{field}: {message}"
                form.add_error(target, message)
    else:
        form.add_error(None, " ".join(exc.messages))
