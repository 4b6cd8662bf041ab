from django.utils.html import format_html

from marketplace import hooks


@hooks.register("ui.menu_items", order=50)
def menu(request):
    return [{"label": "Status", "url": "/plugins/org.example.status-page/", "icon": "activity"}]


@hooks.register("ui.template_slot")
def banner(slot, context):
    if slot != "dashboard.top":
        return None
    from django.apps import apps

    text = apps.get_app_config("sample_ui").get_settings()["banner"]
    return format_html('<div class="alert alert-info">{}</div>', text)


def get_status_page(ctx):
    """Shows the status page banner and the instances the caller can see"""
    from django.apps import apps

    from compute.models import Instance

    return {
        "statuspage": {
            "banner": apps.get_app_config("sample_ui").get_settings()["banner"],
            "instances": Instance.objects.restrict(ctx.user, "view").count(),
        }
    }


@hooks.register("api.client_commands")
def client_commands():
    return {"getStatusPage": get_status_page}


@hooks.register("celery.periodic")
def periodic():
    from sample_ui import tasks  # noqa: F401  (registers the task with Celery)

    return {"status-refresh": {"task": "sample_ui.refresh_status", "schedule": 60.0}}
