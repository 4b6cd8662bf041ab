"""Security groups: account-owned rule sets enforced on the hypervisor hosts.

Authorising or revoking rules (and changing membership) queues a ``securitygroup.apply``
job; the network element (:mod:`networking.rule_handlers`) sends every affected host the
complete rules of the instances it runs, then activates/deletes the rows (or marks the new
ones ``Error`` and keeps the revoked ones ``Active`` when a host refuses).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from networking.models_rules import RuleDirection, RuleState, SecurityGroup, SecurityGroupRule
from networking.services.rules import LIVE, clean_cidrs, clean_match
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job

APPLY_COMMAND = "securitygroup.apply"
DEFAULT_NAME = "default"


def default_security_group(account) -> SecurityGroup:
    """The account's ``default`` group (no ingress, all egress), created on first use."""
    group, _ = SecurityGroup.objects.get_or_create(
        account=account,
        name=DEFAULT_NAME,
        defaults={"description": "Default Security Group"},
    )
    return group


def queue_apply(group: SecurityGroup, *, acting_user, resource=None, success_only=False):
    return create_job(
        APPLY_COMMAND,
        acting_user=acting_user,
        resource=resource if resource is not None else group,
        params={"group_id": group.pk, "success": success_only},
    )


def create_security_group(
    *, acting_user, client_ip=None, account, name: str, description: str = ""
) -> SecurityGroup:
    """A new empty group; names are unique per account (``default`` exists already)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "This field is required."})
    if name.lower() == DEFAULT_NAME:
        default_security_group(account)
        raise ValidationError({"name": "Every account has its default group already."})
    group = SecurityGroup(account=account, name=name, description=description or "")
    group.full_clean(validate_unique=False, validate_constraints=False)  # clash: see below
    try:
        with transaction.atomic():
            group.save()
            record_event("SG.CREATE", acting_user=acting_user, resource=group, client_ip=client_ip)
    except IntegrityError as exc:
        raise ValidationError(
            {"name": f"The account already has a security group named {name}."}
        ) from exc
    return group


def delete_security_group(group: SecurityGroup, *, acting_user, client_ip=None) -> None:
    """Delete a group that no instance uses and no other group's rule references."""
    if group.name == DEFAULT_NAME:
        raise ValidationError("The default security group cannot be removed.")
    with transaction.atomic():
        if group.instances.exists():
            raise ValidationError(f"Security group {group.name} is in use by instances.")
        if group.referencing_rules.exclude(security_group=group).exists():
            raise ValidationError(f"Rules of other groups reference {group.name}.")
        record_event("SG.DELETE", acting_user=acting_user, resource=group, client_ip=client_ip)
        group.delete()


def authorize_security_group_rules(
    group: SecurityGroup,
    *,
    acting_user,
    client_ip=None,
    direction: str,
    protocol: str,
    start_port: int | None = None,
    end_port: int | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    cidr_list: list[str] | str | None = None,
    remote_groups: list[SecurityGroup] | None = None,
) -> tuple[list[SecurityGroupRule], AsyncJob]:
    """Add ingress or egress rules: one per CIDR and one per remote group (same account's
    or another the caller may see). Identical live rules are refused."""
    if direction not in RuleDirection.values:
        raise ValidationError({"direction": "Use ingress or egress."})
    match = clean_match(protocol, start_port, end_port, icmp_type, icmp_code)
    remote_groups = list(remote_groups or [])
    cidrs = clean_cidrs(cidr_list) if (cidr_list or not remote_groups) else []
    targets = [{"cidr_list": [cidr], "remote_group": None} for cidr in cidrs] + [
        {"cidr_list": [], "remote_group": g} for g in remote_groups
    ]
    with transaction.atomic():
        SecurityGroup.objects.select_for_update(no_key=True).filter(pk=group.pk).first()
        live = group.rules.filter(direction=direction, state__in=LIVE, **match)
        rules = []
        for target in targets:
            for other in live:
                if other.cidr_list == target["cidr_list"] and other.remote_group_id == getattr(
                    target["remote_group"], "pk", None
                ):
                    raise ValidationError(
                        {"protocol": f"Rule {other.uuid} of {group.name} is the same."}
                    )
            rules.append(
                SecurityGroupRule.objects.create(
                    security_group=group, direction=direction, **match, **target
                )
            )
        event = "SG.AUTH.INGRESS" if direction == RuleDirection.INGRESS else "SG.AUTH.EGRESS"
        record_event(event, acting_user=acting_user, resource=group, client_ip=client_ip)
        job = queue_apply(group, acting_user=acting_user)
    return rules, job


def revoke_security_group_rule(rule: SecurityGroupRule, *, acting_user, client_ip=None) -> AsyncJob:
    """Revoke one rule; the apply job deletes it once the hosts dropped it."""
    group = rule.security_group
    with transaction.atomic():
        SecurityGroupRule.objects.filter(pk=rule.pk).update(state=RuleState.REVOKE)
        rule.state = RuleState.REVOKE
        event = "SG.REVOKE.INGRESS" if rule.direction == "ingress" else "SG.REVOKE.EGRESS"
        record_event(event, acting_user=acting_user, resource=group, client_ip=client_ip)
        return queue_apply(group, acting_user=acting_user, success_only=True)


def assign_security_groups(
    instance, groups: list[SecurityGroup], *, acting_user, client_ip=None
) -> AsyncJob | None:
    """Make ``groups`` (default: the account's default group) the instance's groups and
    push the rules of the groups it joins or leaves."""
    groups = list(groups) or [default_security_group(instance.account)]
    for group in groups:
        if group.account_id != instance.account_id:
            raise ValidationError({"security_groups": f"{group.name} belongs to another account."})
    with transaction.atomic():
        before = set(instance.security_groups.all())
        instance.security_groups.set(groups)
        record_event("SG.ASSIGN", acting_user=acting_user, resource=instance, client_ip=client_ip)
        changed = before.symmetric_difference(groups)
        if not changed:
            return None
        return create_job(
            APPLY_COMMAND,
            acting_user=acting_user,
            resource=instance,
            params={"group_ids": sorted(g.pk for g in changed), "instance_id": instance.pk},
        )
