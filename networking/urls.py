"""Browser pages of the networking app (namespace ``networking``); the API is in
networking/api/."""

from django.urls import path

from networking import views

app_name = "networking"

urlpatterns = [
    path("networks/", views.NetworkListView.as_view(), name="network_list"),
    path("networks/add/", views.NetworkCreateView.as_view(), name="network_create"),
    path("physical/", views.PhysicalNetworkListView.as_view(), name="physical_list"),
    path("offerings/", views.NetworkOfferingListView.as_view(), name="offering_list"),
    path("ipranges/", views.IpRangeListView.as_view(), name="iprange_list"),
]
