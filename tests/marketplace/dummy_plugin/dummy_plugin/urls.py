from django.http import JsonResponse
from django.urls import path


def hello(request):
    from django.apps import apps

    from dummy_plugin.apps import DummyConfig  # noqa: F401

    config = apps.get_app_config("dummy_plugin")
    return JsonResponse({"greeting": config.get_settings()["greeting"]})


urlpatterns = [path("hello/", hello)]
