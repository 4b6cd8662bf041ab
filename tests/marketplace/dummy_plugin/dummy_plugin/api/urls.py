from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def notes(request):
    from dummy_plugin.models import Note

    return Response({"count": Note.objects.count()})


urlpatterns = [path("notes/", notes)]
