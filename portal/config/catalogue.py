"""The settings the portal honours, declared as upstream CloudStack declares them (names,
categories, types, defaults, descriptions, scopes). Only keys that drive behaviour here are
declared: a listed setting always does what its description says.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from portal.config.keys import CLUSTER, DOMAIN, GLOBAL, STORAGE, ConfigKey, register


def _password(name: str, type_: str, default: str, description: str, **extra) -> ConfigKey:
    return ConfigKey(
        name=name,
        type=type_,
        default=default,
        description=description,
        scopes=(DOMAIN,),
        group="Management Server",
        subgroup="Security",
        **extra,
    )


PASSWORD_POLICY = (
    _password(
        "password.policy.minimum.special.characters",
        "Integer",
        "0",
        "Minimum number of special characters that the user's password must have. Any "
        "character that is neither a letter nor numeric is considered special. The value 0 "
        "means the user's password does not require any special characters.",
        minimum=0,
    ),
    _password(
        "password.policy.minimum.length",
        "Integer",
        "0",
        "Minimum length that the user's password must have. The value 0 means the user's "
        "password can have any length.",
        minimum=0,
    ),
    _password(
        "password.policy.minimum.uppercase.letters",
        "Integer",
        "0",
        "Minimum number of uppercase letters [A-Z] that the user's password must have. The "
        "value 0 means the user's password does not require any uppercase letters.",
        minimum=0,
    ),
    _password(
        "password.policy.minimum.lowercase.letters",
        "Integer",
        "0",
        "Minimum number of lowercase letters [a-z] that the user's password must have. The "
        "value 0 means the user's password does not require any lowercase letters.",
        minimum=0,
    ),
    _password(
        "password.policy.minimum.digits",
        "Integer",
        "0",
        "Minimum number of numeric characters [0-9] that the user's password must have. The "
        "value 0 means the user's password does not require any numeric characters.",
        minimum=0,
    ),
    _password(
        "password.policy.allowPasswordToContainUsername",
        "Boolean",
        "true",
        "Indicates if the user's password may contain their username. Set 'true' (default) "
        "if it is allowed, otherwise set 'false'.",
    ),
    _password(
        "password.policy.regex",
        "String",
        ".+",
        "A regular expression that the user's password must match. The default expression "
        "'.+' will match with any password.",
        regex=True,
    ),
)


def _factor(name: str, default: str, description: str, scope: str, group: str, sub: str):
    """An overprovisioning factor: at least 1, at most what the scope's column holds."""
    return ConfigKey(
        name,
        "Float",
        default,
        description,
        scopes=(GLOBAL, scope),
        group=group,
        subgroup=sub,
        minimum=Decimal(1),
        maximum=Decimal("999.99"),
    )


OVERPROVISIONING = (
    _factor(
        "cpu.overprovisioning.factor",
        "1.0",
        "Used for CPU overprovisioning calculation; available CPU will be "
        "(actualCpuCapacity * cpu.overprovisioning.factor)",
        CLUSTER,
        "Compute",
        "Virtual Machine",
    ),
    _factor(
        "mem.overprovisioning.factor",
        "1.0",
        "Used for memory overprovisioning calculation",
        CLUSTER,
        "Compute",
        "Virtual Machine",
    ),
    _factor(
        "storage.overprovisioning.factor",
        "2",
        "Used for storage overprovisioning calculation; available storage will be "
        "(actualStorageSize * storage.overprovisioning.factor)",
        STORAGE,
        "Infrastructure",
        "Primary Storage",
    ),
)

MANAGEMENT = (
    ConfigKey(
        "default.page.size",
        "Long",
        "500",
        "Default page size for API list* commands",
        group="Management Server",
        subgroup="API",
        minimum=1,
    ),
    ConfigKey(
        "ping.interval",
        "Integer",
        str(settings.AGENT_PING_INTERVAL),
        "Interval to send application level pings to make sure the connection is still working",
        group="Management Server",
        subgroup="Agent",
        minimum=1,
    ),
    ConfigKey(
        "ping.timeout",
        "Float",
        str(settings.AGENT_PING_TIMEOUT_FACTOR),
        "Multiplier to ping.interval before announcing an agent has timed out",
        group="Management Server",
        subgroup="Agent",
        minimum=Decimal(1),
    ),
    ConfigKey(
        "api.throttling.enabled",
        "Boolean",
        "false",
        "Enable/disable Api rate limit",
        group="Management Server",
        subgroup="API",
        component="ApiRateLimitService",
    ),
    ConfigKey(
        "api.throttling.interval",
        "Integer",
        "1",
        "Time interval (in seconds) to reset API count",
        group="Management Server",
        subgroup="API",
        component="ApiRateLimitService",
        parent="api.throttling.enabled",
        minimum=1,
    ),
    ConfigKey(
        "api.throttling.max",
        "Integer",
        "25",
        "Max allowed number of APIs within fixed interval",
        group="Management Server",
        subgroup="API",
        component="ApiRateLimitService",
        parent="api.throttling.enabled",
        minimum=1,
    ),
    ConfigKey(
        "event.purge.delay",
        "Integer",
        "15",
        "Events older than specified number days will be purged. Set this value to 0 to "
        "never delete events",
        group="Management Server",
        subgroup="Events",
        minimum=0,
    ),
)

register(*PASSWORD_POLICY, *OVERPROVISIONING, *MANAGEMENT)
