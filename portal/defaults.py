"""Objects every installation has after migration: the ROOT domain, the system admin
account and CloudStack's default roles with their permission rules.

Rules are matched in order with shell-style wildcards; the first match decides and no match
denies. Used by the data migration and by tests.
"""

# CloudStack's Extensions framework: managing extensions and custom actions is root-admin
# only (upstream ``authorized = {Admin}``); listing and running custom actions is open to
# every role, each action saying which role types may run it.
ADMIN_ONLY_EXTENSION_COMMANDS = [
    "*Extension*",
    "addCustomAction",
    "updateCustomAction",
    "deleteCustomAction",
]
# Commands only an operator may run, used to fence the tenant roles.
INFRASTRUCTURE_COMMANDS = [
    "*Zone*",
    "*Pod*",
    "*Cluster*",
    "*Host*",
    "*StoragePool*",
    "*ImageStore*",
    "*SecondaryStorage*",
    "*PhysicalNetwork*",
    "*NetworkServiceProvider*",
    "*TrafficType*",
    "*VlanIpRange*",
    "*Capacity*",
    "*Hypervisor*",
    "*ServiceOffering",
    "*DiskOffering",
    "*NetworkOffering",
    "listSystemVms",
    "*Role*",
    "*Configuration*",
    "migrateVirtualMachine*",
    *ADMIN_ONLY_EXTENSION_COMMANDS,
]
USER_VERBS = [
    "list*",
    "get*",
    "query*",
    "deployVirtualMachine",
    "startVirtualMachine",
    "stopVirtualMachine",
    "rebootVirtualMachine",
    "destroyVirtualMachine",
    "recoverVirtualMachine",
    "restoreVirtualMachine",
    "runCustomAction",
    "scaleVirtualMachine",
    "changeServiceForVirtualMachine",
    "updateVirtualMachine",
    "resetPasswordForVirtualMachine",
    "createConsoleEndpoint",
    "*Volume",
    "*Snapshot*",
    "*SSHKeyPair",
    "*AffinityGroup*",
    "*Network",
    "associateIpAddress",
    "disassociateIpAddress",
    "*FirewallRule",
    "*PortForwardingRule",
    "enableStaticNat",
    "disableStaticNat",
    "*SecurityGroup*",
    "*Tags",
    "registerTemplate",
    "registerIso",
    "deleteTemplate",
    "deleteIso",
    "updateTemplate",
    "updateIso",
    "copyTemplate",
    "copyIso",
    "attachIso",
    "detachIso",
    "extractIso",
    "extractTemplate",
    "createTemplate",
    "addNicToVirtualMachine",
    "removeNicFromVirtualMachine",
    "updateDefaultNicForVirtualMachine",
    "*Project*",
    "login",
    "logout",
    "registerUserKeys",
    "getUserKeys",
    "updateUser",
    "addResourceDetail",
    "removeResourceDetail",
]
READ_VERBS = ["list*", "get*", "query*", "login", "logout"]
DOMAIN_ADMIN_EXTRA = [
    "createAccount",
    "updateAccount",
    "deleteAccount",
    "enableAccount",
    "disableAccount",
    "lockAccount",
    "createUser",
    "deleteUser",
    "enableUser",
    "disableUser",
    "lockUser",
    "moveUser",
    "createDomain",
    "updateDomain",
    "deleteDomain",
    "updateResourceLimit",
    "updateResourceCount",
    "listRouters",
]


# What every tenant role may read although the objects are operator-managed.
TENANT_VISIBLE_LISTS = [
    "listZones",
    "listServiceOfferings",
    "listDiskOfferings",
    "listNetworkOfferings",
    "listHypervisors",
    "listOsTypes",
    "listTemplates",
    "listIsos",
]


def _user_rules(verbs):
    return (
        [(c, "allow") for c in TENANT_VISIBLE_LISTS]
        + [(c, "deny") for c in INFRASTRUCTURE_COMMANDS if not c.startswith("list")]
        + [
            ("listHosts", "deny"),
            ("listCapacity", "deny"),
            ("listStoragePools", "deny"),
            ("listStorageProviders", "deny"),
            ("listAlerts", "deny"),
            ("listManagementServers", "deny"),
            ("listImageStores", "deny"),
            ("listPhysicalNetworks", "deny"),
            ("listClusters", "deny"),
            ("listPods", "deny"),
            ("listVlanIpRanges", "deny"),
            ("listHypervisors", "allow"),
            ("listRoles", "deny"),
            ("listExtensions", "deny"),
            ("listDedicatedGuestVlanRanges", "deny"),
            ("listSystemVms", "deny"),
            ("listRouters", "deny"),
            ("listCAProviders", "deny"),
        ]
        + [(v, "allow") for v in verbs]
    )


DEFAULT_ROLES = [
    # (name, type, description, read_only, rules)
    ("Root Admin", "Admin", "Everything.", False, [("*", "allow")]),
    (
        "Resource Admin",
        "ResourceAdmin",
        "Infrastructure and tenants' resources, not IAM.",
        False,
        [("*Role*", "deny"), ("createDomain", "deny"), ("deleteDomain", "deny")]
        + [(c, "deny") for c in ADMIN_ONLY_EXTENSION_COMMANDS]
        + [("*", "allow")],
    ),
    (
        "Domain Admin",
        "DomainAdmin",
        "Accounts and resources of a domain subtree.",
        False,
        [(c, "allow") for c in DOMAIN_ADMIN_EXTRA] + _user_rules(USER_VERBS),
    ),
    ("User", "User", "An account's own resources.", False, _user_rules(USER_VERBS)),
    (
        "Read-Only Admin - Default",
        "Admin",
        "Sees everything, changes nothing.",
        True,
        [(v, "allow") for v in READ_VERBS] + [("*", "deny")],
    ),
    (
        "Read-Only User - Default",
        "User",
        "Sees its account's resources, changes nothing.",
        True,
        _user_rules(READ_VERBS) + [("*", "deny")],
    ),
]


def create_defaults(apps, schema_editor=None) -> None:
    """Idempotently create roles, the ROOT domain and the ``admin`` account."""
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    Domain = apps.get_model("portal", "Domain")
    Account = apps.get_model("portal", "Account")
    for name, role_type, description, read_only, rules in DEFAULT_ROLES:
        role, created = Role.objects.get_or_create(
            name=name,
            defaults={
                "role_type": role_type,
                "description": description,
                "is_default": True,
                "read_only": read_only,
            },
        )
        if created:
            seen = set()
            for order, (rule, permission) in enumerate(rules):
                if rule in seen:
                    continue
                seen.add(rule)
                RolePermission.objects.create(
                    role=role, rule=rule, permission=permission, sort_order=order
                )
    root, _ = Domain.objects.get_or_create(parent=None, defaults={"name": "ROOT", "path": "/"})
    Account.objects.get_or_create(
        domain=root,
        name="admin",
        defaults={"account_type": 1, "role": Role.objects.get(name="Root Admin")},
    )
