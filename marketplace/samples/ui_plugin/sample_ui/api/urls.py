from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def summary(request):
    from compute.models import Instance

    return Response({"instances": Instance.objects.restrict(request.user, "view").count()})


urlpatterns = [path("summary/", summary)]
