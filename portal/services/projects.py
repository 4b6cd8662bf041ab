"""Project services: create, update (with members), delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import Account, Domain, Project
from portal.services.audit import record_event
from portal.services.tenancy import domain_in_scope, is_system_or_root


def _check(project: Project, members, acting_user, *, exclude_pk: int | None = None) -> None:
    if not project.name or not project.name.strip():
        raise ValidationError({"name": "This field may not be blank."})
    if project.account.domain_id != project.domain_id:
        raise ValidationError({"account": "The owner account must be in the project's domain."})
    if not (
        is_system_or_root(acting_user)
        or domain_in_scope(acting_user, project.domain)
        or acting_user.account_id == project.account_id
    ):
        raise ValidationError({"account": "You may only create projects for your own account."})
    clash = Project.objects.filter(domain=project.domain, name=project.name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"name": f"A project named '{project.name}' already exists in {project.domain}."}
        )
    outside = [a.name for a in (members or []) if not a.domain.path.startswith(project.domain.path)]
    if outside:
        raise ValidationError(
            {"members": f"Members must belong to the project's domain: {', '.join(outside)}."}
        )


def create_project(
    *,
    acting_user,
    client_ip=None,
    account: Account | None = None,
    domain: Domain | None = None,
    members: list[Account] | None = None,
    **fields,
) -> Project:
    """Create a project owned by ``account`` (default: the actor's) in its domain."""
    account = account or getattr(acting_user, "account", None)
    if account is None:
        raise ValidationError({"account": "This field is required."})
    project = Project(account=account, domain=domain or account.domain, **fields)
    _check(project, members, acting_user)
    project.full_clean(validate_constraints=False)
    with transaction.atomic():
        project.save()
        project.members.set({account, *(members or [])})
        record_event(
            "PROJECT.CREATE", acting_user=acting_user, resource=project, client_ip=client_ip
        )
    return project


def update_project(project: Project, *, acting_user, client_ip=None, **changes) -> Project:
    """Rename a project, change its description, state or members."""
    members = changes.pop("members", None)
    if "domain" in changes and changes["domain"] != project.domain:
        raise ValidationError({"domain": "Moving a project to another domain is not supported."})
    changes.pop("domain", None)
    for field, value in changes.items():
        setattr(project, field, value)
    _check(project, members, acting_user, exclude_pk=project.pk)
    project.full_clean(validate_constraints=False)
    with transaction.atomic():
        project.save()
        if members is not None:
            project.members.set({project.account, *members})
        record_event(
            "PROJECT.UPDATE", acting_user=acting_user, resource=project, client_ip=client_ip
        )
    return project


def delete_project(project: Project, *, acting_user, client_ip=None) -> None:
    """Delete a project that no longer holds resources."""
    from django.db.models import ProtectedError

    with transaction.atomic():
        record_event(
            "PROJECT.DELETE", acting_user=acting_user, resource=project, client_ip=client_ip
        )
        try:
            project.delete()
        except ProtectedError as exc:
            raise ValidationError(f"{project} still holds resources.") from exc
