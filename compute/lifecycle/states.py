"""The instance state machine: which operation may start from which state.

Transitions are taken with a compare-and-swap ``UPDATE ... WHERE state IN (...)`` so two
concurrent operations on one instance cannot both proceed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import InstanceState as S
from compute.models import Instance

# operation -> (states it may start from, the transitional state it enters)
OPERATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((S.STOPPED,), S.STARTING),
    "stop": ((S.RUNNING, S.STARTING, S.ERROR), S.STOPPING),
    "reboot": ((S.RUNNING,), S.RUNNING),
    "destroy": ((S.STOPPED, S.RUNNING, S.ERROR), S.DESTROYED),
    "expunge": ((S.DESTROYED, S.STOPPED, S.ERROR), S.EXPUNGING),
    "recover": ((S.DESTROYED,), S.STOPPED),
    "migrate": ((S.RUNNING,), S.MIGRATING),
    "scale": ((S.STOPPED,), S.STOPPED),
    "restore": ((S.RUNNING, S.STOPPED), S.STOPPING),
}


class InvalidStateTransition(ValidationError):
    """The operation is not allowed in the instance's current state (CloudStack 431)."""

    error_code = 431


def allowed(operation: str, state: str) -> bool:
    return state in OPERATIONS[operation][0]


def begin(instance: Instance, operation: str, *, to: str | None = None) -> Instance:
    """Move ``instance`` into the operation's state if its current state allows it."""
    sources, target = OPERATIONS[operation]
    target = to or target
    changed = Instance.objects.filter(pk=instance.pk, state__in=sources).update(state=target)
    if not changed:
        current = Instance.objects.filter(pk=instance.pk).values_list("state", flat=True).first()
        raise InvalidStateTransition(
            f"Cannot {operation} instance {instance.name}: it is {current}"
            f" (allowed from {', '.join(sources)}).",
            code="invalid_state",
        )
    _announce(instance, instance.state, target, operation)
    instance.state = target
    return instance


def set_state(instance: Instance, state: str, **fields) -> None:
    """Record the outcome of an operation (called by job handlers)."""
    Instance.objects.filter(pk=instance.pk).update(state=state, **fields)
    _announce(instance, instance.state, state, "result")
    instance.state = state
    for name, value in fields.items():
        setattr(instance, name, value)


def _announce(instance: Instance, old: str, new: str, event: str) -> None:
    """Extension point ``vm.state_transition``: plugins hear every change after commit."""
    if old == new:
        return
    from marketplace import hooks

    transaction.on_commit(
        lambda: hooks.call_hooks("vm.state_transition", instance, old, new, event)
    )
