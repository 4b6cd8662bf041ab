"""Errors raised by the networking services besides field validation errors."""

from __future__ import annotations

from portal.services.jobs import JobError


class InsufficientCapacity(JobError):
    """Nothing free to allocate (no public IP, guest VLAN or NIC address left).

    CloudStack answers these with error code 533; as a :class:`JobError` a job that hits it
    fails with that code, and the API turns it into a 409 Conflict.
    """

    def __init__(self, message: str):
        super().__init__(message, code=533)
