"""Browser pages of the portal app (namespace ``portal``)."""

from django.urls import path

from portal.auth import views as auth_views
from portal.ui import activity, profile, roles, settings, tenancy

app_name = "portal"

urlpatterns = [
    path("accounts/login/", auth_views.login_view, name="login"),
    path("accounts/login/2fa/", auth_views.login_2fa_view, name="login_2fa"),
    path("accounts/logout/", auth_views.logout_view, name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("profile/apikeys/", profile.apikey_create, name="apikey_create"),
    path("profile/apikeys/<int:pk>/revoke/", profile.apikey_revoke, name="apikey_revoke"),
    path("profile/password/", profile.password_change, name="password_change"),
    path("profile/2fa/", profile.totp_setup, name="totp_setup"),
    path("profile/2fa/disable/", profile.totp_disable, name="totp_disable"),
    path("profile/2fa/recovery-codes/", profile.recovery_codes_regenerate, name="recovery_codes"),
    path("jobs/", activity.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", activity.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", activity.JobProgressView.as_view(), name="job_progress"),
    path("events/", activity.EventListView.as_view(), name="event_list"),
    path("tenancy/domains/", tenancy.DomainListView.as_view(), name="domain_list"),
    path("tenancy/domains/add/", tenancy.DomainCreateView.as_view(), name="domain_create"),
    path("tenancy/domains/<int:pk>/edit/", tenancy.DomainEditView.as_view(), name="domain_edit"),
    path("tenancy/accounts/", tenancy.AccountListView.as_view(), name="account_list"),
    path("tenancy/accounts/add/", tenancy.AccountCreateView.as_view(), name="account_create"),
    path("tenancy/accounts/<int:pk>/", tenancy.AccountDetailView.as_view(), name="account_detail"),
    path("tenancy/accounts/<int:pk>/edit/", tenancy.AccountEditView.as_view(), name="account_edit"),
    path("tenancy/users/", tenancy.UserListView.as_view(), name="user_list"),
    path("tenancy/users/add/", tenancy.UserCreateView.as_view(), name="user_create"),
    path("tenancy/users/<int:pk>/edit/", tenancy.UserEditView.as_view(), name="user_edit"),
    path("tenancy/roles/", roles.RoleListView.as_view(), name="role_list"),
    path("tenancy/roles/add/", roles.RoleFormView.as_view(), name="role_create"),
    path("tenancy/roles/<int:pk>/", roles.RoleDetailView.as_view(), name="role_detail"),
    path("tenancy/roles/<int:pk>/edit/", roles.RoleFormView.as_view(), name="role_edit"),
    path("tenancy/roles/<int:pk>/delete/", roles.RoleDeleteView.as_view(), name="role_delete"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
]
