"""CloudStack API errors: the code doubles as the HTTP status."""

from __future__ import annotations

UNAUTHORIZED = 401
METHOD_NOT_ALLOWED = 405
MALFORMED_PARAMETER = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION = 432
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
ACCOUNT_RESOURCE_LIMIT = 532
INSUFFICIENT_CAPACITY = 533
RESOURCE_UNAVAILABLE = 534
RESOURCE_ALLOCATION = 535
RESOURCE_IN_USE = 536
NETWORK_RULE_CONFLICT = 537

# CloudStack exception codes (``cserrorcode``) for the errors we raise.
CS_SERVER_API = 9999
CS_INVALID_PARAMETER = 4350
CS_PERMISSION_DENIED = 4365
CS_CLOUD_RUNTIME = 4250
CS_INSUFFICIENT_CAPACITY = 4310
CS_RESOURCE_ALLOCATION = 4370

NOT_AVAILABLE = "The given command does not exist or it is not available for user"


class ApiError(Exception):
    """An error answer: ``code`` is both ``errorcode`` and the HTTP status.

    ``cserrorcode`` is None for the servlet-level errors (401 before a command ran),
    which CloudStack sends without it and without ``X-Description``.
    """

    def __init__(self, code: int, text: str, cserrorcode: int | None = CS_SERVER_API):
        super().__init__(text)
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode


def param_error(text: str) -> ApiError:
    return ApiError(PARAM_ERROR, text, CS_INVALID_PARAMETER)


def missing(command: str, name: str) -> ApiError:
    return ApiError(
        PARAM_ERROR,
        f"Unable to execute API command {command.lower()} due to missing parameter {name}",
    )
