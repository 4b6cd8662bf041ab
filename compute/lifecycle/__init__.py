"""Instance lifecycle: the deploy service, the state machine, operations and job handlers."""

from compute.lifecycle.deploy import deploy_instance
from compute.lifecycle.operations import (
    destroy_instance,
    expunge_instance,
    migrate_instance,
    reboot_instance,
    recover_instance,
    scale_instance,
    start_instance,
    stop_instance,
)
from compute.lifecycle.states import InvalidStateTransition

__all__ = [
    "InvalidStateTransition",
    "deploy_instance",
    "destroy_instance",
    "expunge_instance",
    "migrate_instance",
    "reboot_instance",
    "recover_instance",
    "scale_instance",
    "start_instance",
    "stop_instance",
]
