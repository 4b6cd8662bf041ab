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
