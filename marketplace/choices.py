"""Choice sets of the marketplace; statuses carry their badge colour."""

from django.db import models

from portal.choices import ColoredChoices


class CatalogKind(models.TextChoices):
    DIRECTORY = "directory", "Local directory"
    GIT = "git", "Git repository"
    HTTP = "http", "HTTP(S) URL"


class PackageKind(models.TextChoices):
    DJANGO_APP = "django-app", "Django app plugin"
    SCRIPT = "script", "Script extension"


class PluginStatus(ColoredChoices):
    INSTALLING = "installing", "Installing"
    INSTALLED = "installed", "Installed"
    FAILED = "failed", "Failed"
    UNINSTALLED = "uninstalled", "Uninstalled"


PluginStatus._colors = {
    "installing": "info",
    "installed": "success",
    "failed": "danger",
    "uninstalled": "secondary",
}


class ExtensionType(models.TextChoices):
    """CloudStack's types plus the script hook types of the new driver model."""

    ORCHESTRATOR = "Orchestrator", "Orchestrator (External clusters)"
    NETWORK_ORCHESTRATOR = "NetworkOrchestrator", "Network orchestrator"
    AUTHENTICATOR = "auth.authenticate", "User authenticator"
    SECOND_FACTOR = "auth.2fa.check", "Second factor"
    PLANNER = "deploy.planner.rank", "Deployment planner"
    NETWORK_ELEMENT = "net.element", "Network element"
    STATE_HOOK = "vm.state_transition", "VM state-transition hook"
    XML_REWRITER = "libvirt.xml.rewrite", "Libvirt domain XML rewriter"
    OOBM = "oobm.power", "Out-of-band power driver"


class ParameterType(models.TextChoices):
    STRING = "STRING", "String"
    NUMBER = "NUMBER", "Number"
    BOOLEAN = "BOOLEAN", "Boolean"
    DATE = "DATE", "Date"


# The Orchestrator actions CloudStack sends (custom actions come on top).
ORCHESTRATOR_ACTIONS = (
    "prepare",
    "create",
    "start",
    "stop",
    "reboot",
    "delete",
    "status",
    "statuses",
    "getconsole",
)
