"""CloudStack's password policy (``password.policy.*`` settings, domain scope) as a Django
password validator: with upstream's defaults any non-empty password is accepted."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from portal.services.configuration import config_value

COUNTS = (
    ("password.policy.minimum.special.characters", lambda c: not c.isalnum(), "special characters"),
    ("password.policy.minimum.uppercase.letters", lambda c: "A" <= c <= "Z", "uppercase letters"),
    ("password.policy.minimum.lowercase.letters", lambda c: "a" <= c <= "z", "lowercase letters"),
    ("password.policy.minimum.digits", lambda c: "0" <= c <= "9", "digits"),
)


def _domain(user):
    account = getattr(user, "account", None) if user is not None else None
    return account.domain if account is not None else None


def policy_errors(password: str, username: str, domain=None) -> list[str]:
    """Why ``password`` breaks the policy of ``domain`` (or the global one): [] if it
    complies."""
    scope = {"domain": domain} if domain is not None else {}
    errors = []
    minimum = config_value("password.policy.minimum.length", **scope)
    if minimum and len(password) < minimum:
        errors.append(f"User password should contain at least {minimum} characters.")
    for name, test, what in COUNTS:
        needed = config_value(name, **scope)
        if needed and sum(1 for c in password if test(c)) < needed:
            errors.append(f"User password should contain at least {needed} {what}.")
    allow_username = config_value("password.policy.allowPasswordToContainUsername", **scope)
    if not allow_username and username and username in password:
        errors.append("User password should not contain the username.")
    regex = config_value("password.policy.regex", **scope)
    if not re.fullmatch(regex, password):
        errors.append(f"User password should match the regular expression {regex}.")
    return errors


class PasswordPolicyValidator:
    """AUTH_PASSWORD_VALIDATORS entry reading the user's domain's password policy."""

    def validate(self, password: str, user=None) -> None:
        errors = policy_errors(password, getattr(user, "username", "") or "", _domain(user))
        if errors:
            raise ValidationError(errors, code="password_policy")

    def get_help_text(self) -> str:
        return "The password must follow the password.policy.* settings of your domain."
