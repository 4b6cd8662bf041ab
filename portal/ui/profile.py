"""Profile: API keys (generate, show the secret once, revoke), password, two-factor auth."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.auth import mfa
from portal.models import ApiKeyPair, TOTPDevice
from portal.services.apikeys import create_api_key, revoke_api_key
from portal.services.users import change_password
from portal.ui.forms import ApiKeyForm, PasswordConfirmForm, PasswordForm, TOTPConfirmForm
from portal.ui.htmx import apply_errors, error_text


def _context(request, **extra):
    user = request.user
    return {
        "title": "Profile",
        "keys": ApiKeyPair.objects.filter(user=user).order_by("-id"),
        "key_form": extra.pop("key_form", ApiKeyForm()),
        "password_form": extra.pop("password_form", PasswordForm()),
        "totp_enabled": mfa.has_totp(user),
        "recovery_left": user.recovery_codes.filter(used__isnull=True).count(),
        **extra,
    }


@login_required
def profile(request):
    return render(request, "portal/profile.html", _context(request))


@login_required
@require_POST
def apikey_create(request):
    form = ApiKeyForm(request.POST)
    new_pair = None
    if form.is_valid():
        try:
            new_pair = create_api_key(
                acting_user=request.user,
                client_ip=request.client_ip,
                name=form.cleaned_data["name"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
    # The secret is rendered in this response only; it is never shown again.
    return render(
        request, "portal/profile.html", _context(request, key_form=form, new_pair=new_pair)
    )


@login_required
@require_POST
def apikey_revoke(request, pk):
    pair = get_object_or_404(ApiKeyPair.objects.filter(user=request.user), pk=pk)
    try:
        revoke_api_key(pair, acting_user=request.user, client_ip=request.client_ip)
        messages.success(request, f"API key {pair.api_key[:8]}… revoked.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("portal:profile")


@login_required
def password_change(request):
    if request.method != "POST":
        return redirect("portal:profile")
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            change_password(
                request.user,
                acting_user=request.user,
                client_ip=request.client_ip,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Password changed.")
            return redirect("portal:profile")
    return render(request, "portal/profile.html", _context(request, password_form=form))


@login_required
def totp_setup(request):
    """Enroll: show the QR code and secret; confirm with a first code, then show the
    recovery codes once."""
    if mfa.has_totp(request.user):
        return redirect("portal:profile")
    if request.method == "POST":
        device = get_object_or_404(TOTPDevice, user=request.user, confirmed=False)
        form = TOTPConfirmForm(request.POST)
        if form.is_valid():
            codes = mfa.confirm_enrollment(
                device, form.cleaned_data["code"], client_ip=request.client_ip
            )
            if codes is not None:
                return render(
                    request,
                    "portal/recovery_codes.html",
                    {"codes": codes, "title": "Recovery codes"},
                )
            form.add_error("code", "That code is not valid. Check your device's clock.")
    else:
        device = mfa.begin_enrollment(request.user)
        form = TOTPConfirmForm()
    context = {
        "title": "Set up two-factor authentication",
        "form": form,
        "qr": mfa.qr_svg(device),
        "secret": device.secret,
    }
    return render(request, "portal/totp_setup.html", context)


@login_required
def totp_disable(request):
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            mfa.disable(request.user, client_ip=request.client_ip)
            messages.success(request, "Two-factor authentication disabled.")
            return redirect("portal:profile")
        form.add_error("password", "Wrong password.")
    return render(
        request,
        "ui/form.html",
        {"form": form, "title": "Disable two-factor authentication", "submit_label": "Disable"},
    )


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not mfa.has_totp(request.user):
        return redirect("portal:profile")
    codes = mfa.new_recovery_codes(request.user)
    return render(
        request, "portal/recovery_codes.html", {"codes": codes, "title": "Recovery codes"}
    )
