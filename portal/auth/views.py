"""Login (throttled, with lockout), the TOTP second step, and logout (POST only)."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from portal.auth import lockout, mfa, throttle
from portal.auth.forms import CodeForm, LoginForm
from portal.auth.hooks import authenticate_user as authenticate  # plugins first, then Django
from portal.auth.hooks import check_second_factor
from portal.models import TOTPDevice

FAILED = "Invalid username or password, or the user is locked or disabled."
THROTTLED = "Too many failed attempts. Wait a few minutes and try again."
SESSION_KEY = "mfa_pending_user"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _finish_login(request, user, next_url):
    backend = "django.contrib.auth.backends.ModelBackend"
    login(request, user, backend=backend)
    lockout.record_successful_login(user, client_ip=request.client_ip)
    throttle.reset(request.client_ip, user.username)
    return redirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, ip = form.cleaned_data["username"], request.client_ip
        if throttle.is_throttled(ip, username):  # before any password hashing
            form.add_error(None, THROTTLED)
            status = 429
        else:
            password = form.cleaned_data["password"]
            user = authenticate(request, username, password)
            if user is not None and lockout.can_log_in(user):
                if mfa.has_totp(user):
                    request.session.cycle_key()
                    request.session[SESSION_KEY] = user.pk
                    request.session["mfa_next"] = _next_url(request)
                    return redirect(reverse("portal:login_2fa"))
                return _finish_login(request, user, _next_url(request))
            throttle.record_failure(ip, username)
            known = get_user_model().objects.filter(username=username).first()
            if known is not None:
                lockout.record_failed_login(known, client_ip=ip)
            form.add_error(None, FAILED)
            status = 400
    context = {"form": form, "next": _next_url(request)}
    return render(request, "auth/login.html", context, status=status)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_2fa_view(request):
    user_id = request.session.get(SESSION_KEY)
    device = (
        TOTPDevice.objects.select_related("user__account")
        .filter(user_id=user_id, confirmed=True)
        .first()
    )
    if device is None:
        return redirect(reverse("portal:login"))
    user = device.user
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = request.client_ip
        code = form.cleaned_data["code"]
        if throttle.is_throttled(ip, user.username):
            form.add_error(None, THROTTLED)
            status = 429
        elif lockout.can_log_in(user) and check_second_factor(user, code):
            next_url = request.session.get("mfa_next", "/")
            request.session.pop(SESSION_KEY, None)
            return _finish_login(request, user, next_url)
        else:
            throttle.record_failure(ip, user.username)
            if lockout.record_failed_login(user, client_ip=ip):
                request.session.pop(SESSION_KEY, None)
            form.add_error("code", "That code is not valid.")
            status = 400
    return render(request, "auth/login_2fa.html", {"form": form}, status=status)


@require_POST
def logout_view(request):
    """End the session (POST only, so a link or image cannot log anyone out)."""
    logout(request)
    return redirect(reverse("portal:login"))
