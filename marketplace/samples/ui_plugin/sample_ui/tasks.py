from celery import shared_task

CACHE_KEY = "sample_ui:status"


@shared_task(name="sample_ui.refresh_status")
def refresh_status() -> dict:
    """Recompute the status page summary and keep it in the cache (run by beat through
    ``portal.celery.run_plugin_periodic``, skipped while the plugin is disabled)."""
    from django.apps import apps
    from django.core.cache import cache

    from compute.models import Instance

    status = {
        "banner": apps.get_app_config("sample_ui").get_settings()["banner"],
        "instances": Instance.objects.count(),
    }
    cache.set(CACHE_KEY, status, timeout=None)
    return status
