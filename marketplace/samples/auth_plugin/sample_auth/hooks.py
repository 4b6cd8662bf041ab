import hashlib
import hmac

from marketplace import hooks


def _settings() -> dict:
    from django.apps import apps

    return apps.get_app_config("sample_auth").get_settings()


@hooks.register("auth.authenticate", order=50)
def authenticate(username, password, domain, request):
    """A listed user with the right password logs in (False if wrong); others fall through."""
    digest = _settings()["users"].get(username)
    if digest is None:
        return None
    given = hashlib.sha256((password or "").encode()).hexdigest()
    if not hmac.compare_digest(given, str(digest)):
        return False
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username, is_active=True).first() or False


@hooks.register("auth.2fa.check", order=50)
def second_factor(user, code):
    """True for the user's static token code; None (no opinion) otherwise."""
    expected = _settings()["tokens"].get(user.username)
    if expected and hmac.compare_digest(str(expected), (code or "").strip()):
        return True
    return None
