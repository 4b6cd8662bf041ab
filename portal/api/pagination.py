"""Ordered, limit/offset pagination for every list endpoint (max 500 per page)."""

from rest_framework.pagination import LimitOffsetPagination


class PortalPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500
