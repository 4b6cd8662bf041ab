"""Shared pieces of the marketplace pages: the admin-only base view, the live job log and
the answers of actions (htmx partial + toast, or a redirect with a message)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from marketplace import reload
from portal.models import AsyncJob
from portal.ui.activity import job_toast
from portal.ui.htmx import STOP_POLLING, add_toast, error_text
from portal.ui.views import PortalView


class MarketplaceView(PortalView):
    """The marketplace installs code: root admins only (others get 403)."""

    admin_only = True

    def back(self, default: str) -> str:
        target = self.request.POST.get("next") or default
        return target if target.startswith("/") and not target.startswith("//") else default

    def done(self, message: str, default_url: str, level: str = "success"):
        """After a synchronous action: the page reloads (htmx) or is redirected to, and
        shows the message as a toast."""
        messages.add_message(
            self.request, messages.ERROR if level == "error" else messages.SUCCESS, message
        )
        if getattr(self.request, "htmx", False):
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        return redirect(self.back(default_url))

    def job_started(self, job, message: str, default_url: str):
        """A job was queued: htmx swaps in its live log panel, else go to its page."""
        if getattr(self.request, "htmx", False):
            response = render(self.request, "marketplace/job_log.html", job_log_context(job, []))
            return add_toast(response, message, "info")
        messages.info(self.request, message)
        return redirect(self.back(default_url))

    def refused(self, exc: Exception, default_url: str):
        text = error_text(exc)
        if getattr(self.request, "htmx", False):
            response = HttpResponse("")
            response["HX-Reswap"] = "none"
            return add_toast(response, text, "error")
        messages.error(self.request, text)
        return redirect(self.back(default_url))


REFUSALS = (ValidationError, PermissionDenied)


def job_log_context(job: AsyncJob, seen: list[str]) -> dict:
    """The lines shown so far plus the job's current message; the full log when done."""
    lines = [line for line in seen if line][:200]
    result = job.result if isinstance(job.result, dict) else {}
    if job.is_done and result.get("log"):
        lines = [str(line) for line in result["log"]]
    elif job.progress_message and (not lines or lines[-1] != job.progress_message):
        lines.append(job.progress_message)
    return {
        "job": job,
        "lines": lines,
        "results": result.get("results") if job.command == "marketplace.test" else None,
        "test_ok": result.get("ok"),
    }


class JobLogView(MarketplaceView):
    """The live progress log of a marketplace job; polled every second (the lines seen so
    far come back as ``line`` parameters) until the job ends, then 286 and a toast."""

    def get(self, request, pk):
        job = get_object_or_404(
            AsyncJob.objects.restrict(request.user).filter(command__startswith="marketplace."),
            pk=pk,
        )
        response = render(
            request, "marketplace/job_log.html", job_log_context(job, request.GET.getlist("line"))
        )
        if job.is_done:
            response.status_code = STOP_POLLING
            add_toast(response, *job_toast(job))
        return response


class ReloadStatusView(MarketplaceView):
    """The "pending reload" indicator (polled while a reload is pending)."""

    def get(self, request):
        return render(request, "marketplace/reload_status.html", {"reload": reload_status()})


def reload_status() -> dict:
    from django.conf import settings

    from marketplace.plugin import LOAD_ERRORS

    data = reload.status()
    data["load_errors"] = {**getattr(settings, "PLUGIN_LOAD_ERRORS", {}), **LOAD_ERRORS}
    return data
