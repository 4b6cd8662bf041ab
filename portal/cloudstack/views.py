"""The single ``/client/api`` endpoint: GET and POST alike, one command per request."""

from __future__ import annotations

import logging
import re
import uuid

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from portal.cloudstack import auth
from portal.cloudstack.context import Context, split_params
from portal.cloudstack.errors import (
    CS_INSUFFICIENT_CAPACITY,
    CS_INVALID_PARAMETER,
    CS_PERMISSION_DENIED,
    CS_RESOURCE_ALLOCATION,
    INSUFFICIENT_CAPACITY,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_AVAILABLE,
    PARAM_ERROR,
    UNAUTHORIZED,
    UNSUPPORTED_ACTION,
    ApiError,
    param_error,
)
from portal.cloudstack.registry import lookup
from portal.cloudstack.serialise import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    to_json,
    to_xml,
    wants_json,
)
from portal.cloudstack.throttle import check_rate
from portal.cloudstack.upstream import asks_nothing
from portal.services import jobs

log = logging.getLogger(__name__)
GENERIC_ERROR = "Internal error executing command, please contact your system administrator"


def respond(
    key: str,
    body: dict,
    *,
    as_json: bool,
    status: int = 200,
    description: str | None = None,
    authenticated: bool = True,
) -> HttpResponse:
    """``{key: body}`` as JSON or as CloudStack's XML (version attribute for known callers)."""
    if as_json:
        response = HttpResponse(to_json(key, body), status=status, content_type=JSON_CONTENT_TYPE)
    else:
        from portal.cloudstack.commands.discovery import VERSION

        text = to_xml(key, body, VERSION if authenticated else None)
        response = HttpResponse(text, status=status, content_type=XML_CONTENT_TYPE)
    if description is not None:
        response["X-Description"] = description.replace("\n", " ")[:1000]
    return response


def error_response(
    error: ApiError, key: str, *, as_json: bool, authenticated: bool = True
) -> HttpResponse:
    if error.code == UNSUPPORTED_ACTION:
        key = "errorresponse"
    body = {"uuidList": [], "errorcode": error.code}
    if error.cserrorcode is not None:
        body["cserrorcode"] = error.cserrorcode
    body["errortext"] = error.text
    description = error.text if error.cserrorcode is not None else None
    return respond(
        key,
        body,
        as_json=as_json,
        status=error.code,
        description=description,
        authenticated=authenticated and error.code != UNAUTHORIZED,
    )


def merged_params(request) -> dict[str, str]:
    """Query string then form body; the first value of a name wins."""
    raw: dict[str, str] = {}
    for source in (request.GET, request.POST if request.method == "POST" else {}):
        for name in source:
            raw.setdefault(name, source.getlist(name)[0])
    return raw


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def translate(exc: Exception, user) -> ApiError:
    """Service exceptions -> CloudStack error codes."""
    from compute.planner import InsufficientCapacity as NoHost
    from portal.services.jobs import JobError

    code = getattr(exc, "error_code", None)
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        if isinstance(code, int) and code != PARAM_ERROR:
            return ApiError(code, _validation_text(exc), CS_RESOURCE_ALLOCATION)
        return ApiError(PARAM_ERROR, _validation_text(exc), CS_INVALID_PARAMETER)
    if isinstance(exc, PermissionDenied):
        return ApiError(UNSUPPORTED_ACTION, str(exc) or NOT_AVAILABLE, CS_PERMISSION_DENIED)
    if isinstance(exc, NoHost):
        return ApiError(INSUFFICIENT_CAPACITY, str(exc), CS_INSUFFICIENT_CAPACITY)
    if isinstance(exc, JobError):
        return ApiError(exc.code, str(exc), CS_INSUFFICIENT_CAPACITY if exc.code == 533 else 9999)
    if isinstance(exc, ObjectDoesNotExist):
        return ApiError(PARAM_ERROR, str(exc), CS_INVALID_PARAMETER)
    log.exception("CloudStack API command failed")
    from portal.querysets import is_root_admin

    return ApiError(INTERNAL_ERROR, str(exc) if is_root_admin(user) else GENERIC_ERROR)


@csrf_exempt
def api(request) -> HttpResponse:
    """Authenticate, look the command up, check the role, run it, wrap the answer."""
    import portal.cloudstack.commands  # noqa: F401  (registers every command)

    raw = merged_params(request)
    as_json = wants_json(raw)
    name = raw.get("command", "")
    cmd = lookup(name) if name else None
    key = (
        cmd.response_key
        if cmd
        else (f"{name.lower()}response" if name == "login" or name == "logout" else "errorresponse")
    )
    if name == "login":
        return _login(request, raw, as_json)
    if name == "logout":
        auth.logout(request)
        response = respond("logoutresponse", {"description": "success"}, as_json=as_json)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response
    user = None
    try:
        if any(k.lower() == "apikey" for k in raw):
            user = auth.user_from_signature(raw)
        else:
            user = auth.user_from_session(request, raw)
            if user is None:
                raise ApiError(UNAUTHORIZED, auth.BAD_SESSION, None)
        check_rate(user)
        if not name:
            body = {"uuidList": [], "errorcode": 400, "errortext": "no command specified"}
            return respond("errorresponse", body, as_json=as_json, status=400)
        if cmd is None or not _allowed(user, cmd.name):
            raise ApiError(UNSUPPORTED_ACTION, NOT_AVAILABLE)
        plain, maps = split_params(raw)
        for param in cmd.params:
            if param.required and plain.get(param.name, "") == "":
                raise ApiError(
                    PARAM_ERROR,
                    f"Unable to execute API command {cmd.name.lower()} "
                    f"due to missing parameter {param.name}",
                )
        sent = {n for n, v in plain.items() if v != "" and not asks_nothing(cmd.name, n, v)}
        refused = cmd.unsupported(sent | set(maps))
        if refused:
            raise ApiError(
                PARAM_ERROR,
                f"Unable to execute API command {cmd.name.lower()} due to unsupported "
                f"parameter {', '.join(refused)}: not implemented by this cloud",
                CS_INVALID_PARAMETER,
            )
        ctx = Context(cmd, user, plain, maps, getattr(request, "client_ip", None))
        ctx.base_url = f"{request.scheme}://{request.get_host()}"
        with jobs.next_job_uuid(custom_job_id(plain) if cmd.isasync else None):
            if cmd.is_list or getattr(cmd.handler, "manages_transactions", False):
                payload = cmd.handler(ctx)  # lists read; addHost commits, then waits for a job
            else:
                with transaction.atomic():
                    payload = cmd.handler(ctx)
    except Exception as exc:  # every failure becomes a CloudStack error envelope
        return error_response(translate(exc, user), key, as_json=as_json)
    return respond(key, payload, as_json=as_json)


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def custom_job_id(plain: dict[str, str]) -> uuid.UUID | None:
    """``customjobid``: the UUID the async command's job gets; in upstream's format (lower
    case) and not used by another job, else 431."""
    from portal.models import AsyncJob

    value = plain.get("customjobid", "")
    if not value:
        return None
    if not _UUID.match(value):
        raise param_error(f"UUID: {value} doesn't follow the UUID format")
    if AsyncJob.objects.filter(uuid=value).exists():
        raise param_error(f"UUID: {value} already exists so can't create/update with custom id")
    return uuid.UUID(value)


def _allowed(user, command: str) -> bool:
    account = getattr(user, "account", None)
    if account is None:
        return bool(user.is_superuser)
    return account.role.allows(command)  # compiled rules are cached per process


def _login(request, raw: dict[str, str], as_json: bool) -> HttpResponse:
    if request.method != "POST":
        error = ApiError(METHOD_NOT_ALLOWED, "Please use HTTP POST to authenticate using this API")
        return error_response(error, "loginresponse", as_json=as_json, authenticated=False)
    plain, _ = split_params(raw)
    try:
        body = auth.login(request, plain)
    except ApiError as error:
        return error_response(error, "loginresponse", as_json=as_json, authenticated=False)
    answer = {k: v for k, v in body.items() if v is not None}
    response = respond("loginresponse", answer, as_json=as_json)
    response.set_cookie(auth.SESSION_COOKIE, body["sessionkey"], httponly=True, samesite="Lax")
    return response
