"""Browser pages of the compute app (namespace ``compute``); the API is in compute/api/."""

from django.urls import path

from compute.ui import clusters, console, infra, instances, keypairs, wizard

app_name = "compute"

urlpatterns = [
    path("instances/", instances.InstanceListView.as_view(), name="instance_list"),
    path("instances/deploy/", instances.InstanceDeployView.as_view(), name="instance_deploy"),
    path("instances/<int:pk>/", instances.InstanceDetailView.as_view(), name="instance_detail"),
    path("instances/<int:pk>/row/", instances.InstanceRowView.as_view(), name="instance_row"),
    path(
        "instances/<int:pk>/status/",
        instances.InstanceStatusView.as_view(),
        name="instance_status",
    ),
    path(
        "instances/<int:pk>/volumes/",
        instances.InstanceVolumesView.as_view(),
        name="instance_volumes",
    ),
    path("console/", console.ConsoleTokenView.as_view(), name="console_token"),
    path(
        "instances/<int:pk>/console/",
        console.InstanceConsoleView.as_view(),
        name="instance_console",
    ),
    path(
        "instances/<int:pk>/<str:action>/",
        instances.InstanceActionView.as_view(),
        name="instance_action",
    ),
    path("keypairs/", keypairs.KeyPairListView.as_view(), name="keypair_list"),
    path("keypairs/add/", keypairs.KeyPairCreateView.as_view(), name="keypair_create"),
    path("zones/", infra.ZoneListView.as_view(), name="zone_list"),
    path("zones/<int:pk>/", infra.ZoneDetailView.as_view(), name="zone_detail"),
    path("zone-wizard/", wizard.ZoneWizardView.as_view(), name="zone_wizard"),
    path(
        "zone-wizard/<int:zone_pk>/<str:step>/",
        wizard.ZoneWizardView.as_view(),
        name="zone_wizard_step",
    ),
    path("pods/", infra.PodListView.as_view(), name="pod_list"),
    path("pods/add/", infra.PodCreateView.as_view(), name="pod_create"),
    path("clusters/", infra.ClusterListView.as_view(), name="cluster_list"),
    path("clusters/add/", infra.ClusterCreateView.as_view(), name="cluster_create"),
    path("clusters/<int:pk>/", clusters.ClusterDetailView.as_view(), name="cluster_detail"),
    path("hosts/", infra.HostListView.as_view(), name="host_list"),
    path("hosts/add/", infra.HostCreateView.as_view(), name="host_create"),
    path("hosts/<int:pk>/", infra.HostDetailView.as_view(), name="host_detail"),
    path("hosts/<int:pk>/<str:action>/", infra.HostActionView.as_view(), name="host_action"),
    path("offerings/", infra.ServiceOfferingListView.as_view(), name="offering_list"),
    path("offerings/add/", infra.ServiceOfferingCreateView.as_view(), name="offering_create"),
]
