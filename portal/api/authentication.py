"""API-key authentication for the DRF API: ``Authorization: Token <api key>:<secret key>``."""

import hmac

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.models import ApiKeyPair


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate with an API key pair. The secret is compared in constant time."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(self.keyword + " "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        api_key, _, secret = token.partition(":")
        if not api_key or not secret:
            raise exceptions.AuthenticationFailed("Expected 'Token <api key>:<secret key>'.")
        pair = (
            ApiKeyPair.objects.select_related("user__account__domain")
            .filter(api_key=api_key, revoked=False)
            .first()
        )
        if pair is None or not hmac.compare_digest(pair.secret_key.encode(), secret.encode()):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        user = pair.user
        if not user.is_active or user.state != "enabled":
            raise exceptions.AuthenticationFailed("User is disabled.")
        if user.account_id and user.account.state != "enabled":
            raise exceptions.AuthenticationFailed("The user's account is disabled or locked.")
        ApiKeyPair.objects.filter(pk=pair.pk).update(last_used=timezone.now())
        return (user, pair)

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes :class:`ApiKeyAuthentication` in the OpenAPI schema."""

    target_class = "portal.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <api key>:<secret key>`",
        }
