from rest_framework.routers import SimpleRouter

from storage.api import snapshots, views

router = SimpleRouter()
router.register("pools", views.StoragePoolViewSet, basename="storagepool")
router.register("image-stores", views.ImageStoreViewSet, basename="imagestore")
router.register("disk-offerings", views.DiskOfferingViewSet, basename="diskoffering")
router.register("os-types", views.OSTypeViewSet, basename="ostype")
router.register("templates", views.TemplateViewSet, basename="template")
router.register("volumes", views.VolumeViewSet, basename="volume")
router.register("snapshots", snapshots.SnapshotViewSet, basename="snapshot")

urlpatterns = router.urls
