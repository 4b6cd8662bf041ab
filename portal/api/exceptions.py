"""Turn service-layer errors into DRF answers: validation errors become 400 with field errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.services.jobs import JobError


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [m for e in errs for m in e.messages]
                for field, errs in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, JobError) or getattr(exc, "code", None) == 533:
        # Nothing left to allocate (IPs, VLANs, capacity): CloudStack's 533.
        return Response(
            {"detail": str(exc), "error_code": getattr(exc, "code", 530)},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, IntegrityError):
        return Response(
            {
                "non_field_errors": [
                    "The change conflicts with existing data (duplicate or in use)."
                ]
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
