"""Typed errors raised inside the agent and by the management-side client.

Resources raise these; the server turns them into error answers with a stable
``error`` code, so no resource ever builds an ad-hoc error dict.
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of every error the agent reports. ``code`` travels on the wire."""

    code: str = "agent_error"

    def __init__(self, details: str = "") -> None:
        super().__init__(details)
        self.details = details or self.__class__.__doc__ or self.code


class InvalidCommand(AgentError):
    """The command is malformed: bad JSON, wrong types or missing fields."""

    code = "invalid_command"


class UnknownCommand(InvalidCommand):
    """The command name is not part of the protocol."""

    code = "unknown_command"


class UnsupportedCommand(AgentError):
    """The resource does not implement this command."""

    code = "unsupported_command"


class AuthError(AgentError):
    """The request signature is missing, wrong or expired."""

    code = "unauthorized"


class RateLimited(AgentError):
    """Too many failed enrollment attempts; retry later."""

    code = "too_many_attempts"


class NotFound(AgentError):
    """A VM, volume or pool does not exist."""

    code = "not_found"


class VmNotFound(NotFound):
    """The virtual machine does not exist on this host."""

    code = "vm_not_found"


class VolumeNotFound(NotFound):
    """The volume does not exist in the pool."""

    code = "volume_not_found"


class PoolNotFound(NotFound):
    """The storage pool is not known to this host."""

    code = "pool_not_found"


class Conflict(AgentError):
    """The request conflicts with existing state (e.g. same name, other size)."""

    code = "conflict"


class InsufficientCapacity(AgentError):
    """The host lacks CPU, memory or storage for the request."""

    code = "insufficient_capacity"


class HypervisorError(AgentError):
    """The hypervisor (libvirt, Hyper-V) refused or failed the operation."""

    code = "hypervisor_error"


class StorageError(AgentError):
    """A storage operation (copy, create, stat) failed."""

    code = "storage_error"


class MigrationFailed(HypervisorError):
    """Live migration failed or is not supported."""

    code = "migration_failed"


class OperationTimeout(AgentError):
    """The operation did not finish within its timeout."""

    code = "timeout"


class InternalError(AgentError):
    """An unexpected error inside the agent (a bug)."""

    code = "internal_error"


class ClientError(Exception):
    """Base of errors raised by :class:`agents.client.AgentClient`."""


class AgentUnreachable(ClientError):
    """The agent could not be reached (connection refused, timeout, TLS failure)."""


class AgentAuthError(ClientError):
    """The agent rejected our signature (HTTP 401)."""


class AgentCommandError(ClientError):
    """The agent rejected the command (HTTP 4xx/5xx with an error object)."""

    def __init__(self, error: str, details: str, status: int) -> None:
        super().__init__(f"{error}: {details} (HTTP {status})")
        self.error = error
        self.details = details
        self.status = status
