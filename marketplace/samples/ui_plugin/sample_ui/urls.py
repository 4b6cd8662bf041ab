from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape


def status_page(request):
    from django.apps import apps

    text = apps.get_app_config("sample_ui").get_settings()["banner"]
    return HttpResponse(f"<h1>Status</h1><p>{escape(text)}</p>")


urlpatterns = [path("", status_page)]
