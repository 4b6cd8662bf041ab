"""Every ``/client/api`` command, by area; importing this package registers them all."""

from portal.cloudstack.commands import (  # noqa: F401
    cleanup,
    discovery,
    iam,
    infra,
    jobs,
    keypairs,
    legacy,
    netservices,
    networks,
    offerings,
    oobm,
    rules,
    snapshots,
    storage,
    tags,
    templates,
    tenancy,
    vms,
    vmupdate,
    volumes,
)
