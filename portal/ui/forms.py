"""Forms of the portal app's pages (profile, tenancy)."""

from __future__ import annotations

from django import forms

from portal.choices import AccountType


class PortalForm(forms.Form):
    """A form that knows the acting user (to restrict its choices)."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=255, required=False, help_text="A label for this key.")


class PasswordForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "The two passwords differ.")
        return data


class TOTPConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput())


class AccountForm(PortalForm):
    name = forms.CharField(max_length=255)
    domain = forms.ModelChoiceField(queryset=None)
    account_type = forms.TypedChoiceField(
        choices=AccountType.choices, coerce=int, initial=AccountType.USER
    )

    def __init__(self, *args, **kwargs):
        from portal.models import Domain

        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = Domain.objects.restrict(self.user, "view")


class DomainForm(PortalForm):
    name = forms.CharField(max_length=255)
    parent = forms.ModelChoiceField(queryset=None)
    network_domain = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        from portal.models import Domain

        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Domain.objects.restrict(self.user, "view")


class UserForm(PortalForm):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    account = forms.ModelChoiceField(queryset=None)
    password = forms.CharField(strip=False, widget=forms.PasswordInput())

    def __init__(self, *args, **kwargs):
        from portal.models import Account

        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.restrict(
            self.user, "view"
        ).select_related("domain")


class LimitForm(forms.Form):
    max = forms.IntegerField(min_value=-1, help_text="-1 for unlimited.")


class AccountEditForm(PortalForm):
    name = forms.CharField(max_length=255)
    network_domain = forms.CharField(max_length=255, required=False)


class UserEditForm(PortalForm):
    email = forms.EmailField(required=False)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)


class DomainEditForm(PortalForm):
    name = forms.CharField(max_length=255)
    network_domain = forms.CharField(max_length=255, required=False)
