"""Compute services: every mutation of zones, pods, clusters, hosts, offerings and key pairs.

Views, API viewsets and commands call these; nothing else changes compute rows.
"""

from compute.services.clusters import create_cluster, delete_cluster, update_cluster
from compute.services.host_connect import add_host_and_wait
from compute.services.hosts import (
    cancel_host_maintenance,
    create_host,
    delete_host,
    disable_host,
    enable_host,
    prepare_host_for_maintenance,
    update_host,
)
from compute.services.keypairs import (
    create_ssh_keypair,
    delete_ssh_keypair,
    generate_key_pair,
    parse_public_key,
    update_ssh_keypair,
)
from compute.services.offerings import (
    create_service_offering,
    delete_service_offering,
    update_service_offering,
)
from compute.services.pods import create_pod, delete_pod, update_pod, validate_pod
from compute.services.zones import create_zone, delete_zone, update_zone

__all__ = [
    "add_host_and_wait",
    "cancel_host_maintenance",
    "create_cluster",
    "create_host",
    "create_pod",
    "create_service_offering",
    "create_ssh_keypair",
    "create_zone",
    "delete_cluster",
    "delete_host",
    "delete_pod",
    "delete_service_offering",
    "delete_ssh_keypair",
    "delete_zone",
    "disable_host",
    "enable_host",
    "generate_key_pair",
    "parse_public_key",
    "prepare_host_for_maintenance",
    "update_cluster",
    "update_host",
    "update_pod",
    "update_service_offering",
    "update_ssh_keypair",
    "update_zone",
    "validate_pod",
]
