"""The cluster page: its hosts and the enrollment tokens of connected agents.

Creating a token shows it once on the answer page (with the agent's command line); the
page never shows it again, only its prefix, uses and expiry.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from compute.models import Cluster
from compute.services import enrollment
from portal.ui.htmx import error_text
from portal.ui.views import ObjectDetailView


class ClusterDetailView(ObjectDetailView):
    """GET the cluster; POST ``create_token`` (uses, hours) or ``revoke_token`` (token id)."""

    admin_only = True
    queryset = Cluster.objects.select_related("zone", "pod")
    template_name = "compute/cluster_detail.html"

    def get_extra_context(self, cluster):
        return {
            "hosts": cluster.hosts.order_by("name")[:200],
            "tokens": cluster.enrollment_tokens.select_related("created_by")[:50],
        }

    def post(self, request, pk):
        cluster = self.get_object(pk, "change")
        context = {"object": cluster}
        kwargs = {"acting_user": request.user, "client_ip": getattr(request, "client_ip", None)}
        try:
            if request.POST.get("action") == "create_token":
                _, token = enrollment.create_enrollment_token(
                    cluster=cluster,
                    max_uses=_int(request.POST.get("max_uses"), "max_uses"),
                    valid_hours=_int(request.POST.get("valid_hours"), "valid_hours"),
                    **kwargs,
                )
                context.update(new_token=token, command=enrollment.connect_command(cluster, token))
            elif request.POST.get("action") == "revoke_token":
                row = get_object_or_404(
                    cluster.enrollment_tokens, pk=_int(request.POST.get("token"), "token")
                )
                enrollment.delete_enrollment_token(row, **kwargs)
                context["message"] = f"Token {row.prefix}… revoked."
            else:
                raise Http404("No such action.")
        except ValidationError as exc:
            context["error"] = error_text(exc)
        context.update(self.get_extra_context(cluster))
        status = 400 if "error" in context else 200
        return render(request, self.template_name, context, status=status)


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Must be a whole number."}) from None
