"""Factories of the tenancy tests (the shared ones are in ``tests/factories.py``)."""

import factory

from portal.choices import ResourceType
from portal.models import ApiKeyPair, Project, ResourceLimit, Role, RolePermission
from tests.factories import AccountFactory, DomainFactory, UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project{n}")
    account = factory.SubFactory(AccountFactory)
    domain = factory.SelfAttribute("account.domain")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    name = factory.Sequence(lambda n: f"role{n}")
    role_type = "User"
    description = "a custom role"


class RolePermissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolePermission

    role = factory.SubFactory(RoleFactory)
    rule = factory.Sequence(lambda n: f"listThings{n}")
    permission = "allow"


class ApiKeyPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiKeyPair

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"key{n}")


class ResourceLimitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceLimit

    account = factory.SubFactory(AccountFactory)
    resource_type = factory.Iterator(ResourceType.values)
    max = 10


def child_domain(parent, name=None):
    """A domain under ``parent`` (the shared DomainFactory puts domains under ROOT)."""
    if name is None:
        return DomainFactory(parent=parent)
    return DomainFactory(parent=parent, name=name)
