"""``/healthz``: a liveness probe for load balancers (no database, no session, no auth);
``/healthz?db=1`` also checks that the database answers."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    if request.GET.get("db"):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # report, don't raise: a probe must always answer
            return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "ok"})
