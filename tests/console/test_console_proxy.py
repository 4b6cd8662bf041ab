"""The console proxy against a real QEMU (TCG) VNC server with a password: the token is
single-use and short-lived, the browser side never sees the VNC password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compute.console import ConsoleUnavailable, issue_console
from compute.console.proxy import CLOSE_TOKEN, CLOSE_UNREACHABLE
from compute.models import ConsoleSession
from tests.console.fixtures import refused, rfb_session

pytestmark = pytest.mark.django_db(transaction=True)


def _url(grant, **extra) -> str:
    url = f"{grant.url}?token={grant.token}"
    return url + "".join(f"&{k}={v}" for k, v in extra.items())


def test_token_opens_the_guest_console_once(console_proxy, console_vm, paused_qemu, tenant):
    instance = console_vm(paused_qemu)
    grant = issue_console(acting_user=tenant, instance=instance)
    assert grant.url == console_proxy.url and len(grant.token) >= 40
    session = ConsoleSession.objects.get(instance=instance)
    assert grant.token not in session.token_hash and session.used_at is None  # hash only

    width, height, _name = rfb_session(_url(grant))  # VNC auth done by the proxy
    assert (width, height) == (640, 480)
    session.refresh_from_db()
    assert session.used_at is not None

    assert refused(_url(grant)) == (CLOSE_TOKEN, "console token unknown, used or expired")


def test_expired_unknown_and_wrong_extra_tokens_are_refused(
    console_proxy, console_vm, paused_qemu, tenant
):
    instance = console_vm(paused_qemu)
    expired = issue_console(acting_user=tenant, instance=instance)
    ConsoleSession.objects.filter(instance=instance).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert refused(_url(expired))[0] == CLOSE_TOKEN
    assert refused(f"{console_proxy.url}?token=not-a-token")[0] == CLOSE_TOKEN
    assert refused(console_proxy.url)[0] == CLOSE_TOKEN

    guarded = issue_console(acting_user=tenant, instance=instance, extra="s3")
    assert refused(_url(guarded))[0] == CLOSE_TOKEN  # without extra
    assert refused(_url(guarded, extra="s4"))[0] == CLOSE_TOKEN  # and a wrong one ...
    guarded2 = issue_console(acting_user=tenant, instance=instance, extra="s3")
    assert rfb_session(_url(guarded2, extra="s3"))[:2] == (640, 480)


def test_wrong_vnc_password_and_dead_vnc_are_unreachable(
    console_proxy, console_vm, paused_qemu, tenant
):
    instance = console_vm(paused_qemu)
    instance.vnc_password = "other"
    instance.save(update_fields=["vnc_password"])
    code, reason = refused(_url(issue_console(acting_user=tenant, instance=instance)))
    assert code == CLOSE_UNREACHABLE and "authentication failed" in reason
    assert "other" not in reason and paused_qemu.password not in reason

    paused_qemu.process.kill()
    paused_qemu.process.wait(10)
    grant = issue_console(acting_user=tenant, instance=instance)
    assert refused(_url(grant)) == (CLOSE_UNREACHABLE, "the console cannot be reached")


def test_stopped_or_hyperv_instances_have_no_console(console_vm, tenant):
    stopped = console_vm(None, state="Stopped")
    with pytest.raises(ConsoleUnavailable, match="while the instance is Running"):
        issue_console(acting_user=tenant, instance=stopped)
    hyperv = console_vm(None)
    hyperv.hypervisor = "Hyperv"
    hyperv.save(update_fields=["hypervisor"])
    with pytest.raises(ConsoleUnavailable, match=r"Hyper-V has no VNC console.*i-\d+-\d+-VM"):
        issue_console(acting_user=tenant, instance=hyperv)
    assert not ConsoleSession.objects.exists()


def test_a_token_of_a_stopped_instance_is_refused(console_proxy, console_vm, paused_qemu, tenant):
    instance = console_vm(paused_qemu)
    grant = issue_console(acting_user=tenant, instance=instance)
    instance.state = "Stopped"
    instance.save(update_fields=["state"])
    assert refused(_url(grant))[0] == CLOSE_TOKEN


def test_concurrent_uses_of_one_token_open_one_console(
    console_proxy, console_vm, paused_qemu, tenant
):
    from concurrent.futures import ThreadPoolExecutor

    from websockets.exceptions import ConnectionClosed

    instance = console_vm(paused_qemu)
    url = _url(issue_console(acting_user=tenant, instance=instance))

    def attempt(_):
        try:
            return rfb_session(url)[:2]
        except (ConnectionClosed, AssertionError) as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert results.count((640, 480)) == 1, results


def test_sessions_are_kept_a_day(console_vm, tenant):
    instance = console_vm(None)
    issue_console(acting_user=tenant, instance=instance)
    issue_console(acting_user=tenant, instance=instance)
    old, recent = ConsoleSession.objects.order_by("id")
    ConsoleSession.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=2))
    ConsoleSession.objects.filter(pk=recent.pk).update(expires_at=timezone.now())
    issue_console(acting_user=tenant, instance=instance)
    kept = set(ConsoleSession.objects.values_list("pk", flat=True))
    assert old.pk not in kept and recent.pk in kept and len(kept) == 2
