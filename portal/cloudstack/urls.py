"""CloudStack-compatible API at /client/api (with or without the trailing slash)."""

from django.urls import path

from portal.cloudstack.views import api

urlpatterns = [
    path("api", api, name="cloudstack-api"),
    path("api/", api),
]
