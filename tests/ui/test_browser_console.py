"""Console journey in a real browser: a tenant opens the Console of a running instance and
sees the real TCG QEMU guest's screen on noVNC's canvas (through the console proxy, VNC
password handled by the proxy); the root admin opens the same console from its page.

Screenshots go to var/screenshots/console-*.png.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.agents.test_agent_kvm_real import wait_for
from tests.ui.test_browser import CHROMIUM, browser, log_in, log_out, page, shot  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True),
]

# Canvas pixels that are not black (the guest's text on the VGA console).
LIT_PIXELS = """() => {
  const c = document.querySelector('#console-screen canvas');
  if (!c || !c.width) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let lit = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;
  return lit;
}"""


def _wait_for_guest_text(console, minimum: int, timeout: float = 90) -> tuple[int, float]:
    t0 = time.monotonic()
    lit = -1
    while time.monotonic() - t0 < timeout:
        lit = console.evaluate(LIT_PIXELS)
        if lit >= minimum:
            return lit, time.monotonic() - t0
        time.sleep(0.5)
    raise AssertionError(f"only {lit} lit canvas pixels after {timeout}s")


def test_tenant_and_admin_see_the_guest_console(
    page,  # noqa: F811
    tenant,
    root_admin,
    console_vm,
    console_proxy,
    booting_qemu,
    record_property,  # noqa: F811
):
    from playwright.sync_api import expect

    from compute.models import ConsoleSession

    instance = console_vm(booting_qemu)
    log_in(page, tenant.username)
    page.goto(f"/compute/instances/{instance.pk}/")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Console").click()
    console = opened.value
    expect(console.locator("#console-status")).to_have_text("Connected")
    expect(console.get_by_role("button", name="Reconnect")).to_be_hidden()
    early, seconds = _wait_for_guest_text(console, 3000)  # SeaBIOS, then the kernel
    record_property("console_first_text_seconds", round(seconds, 1))
    booted = wait_for(booting_qemu.serial_log, "Run /init", timeout=120)
    time.sleep(3)  # init writes its markers on the VGA console
    lit = console.evaluate(LIT_PIXELS)
    assert lit != early, "the canvas must follow the guest's screen live"
    shot(console, "console-tenant")
    record_property("console_lit_pixels", lit)
    record_property("guest_init_seconds", round(booted, 1))
    assert ConsoleSession.objects.filter(instance=instance, used_at__isnull=False).count() == 1
    used = console.locator("#console").get_attribute("data-token")
    console.close()

    page.goto(f"/compute/console/?token={used}")  # the same link a second time: refused
    expect(page.locator("#console-status")).to_contain_text("already used")
    shot(page, "console-reused-token")
    page.goto("/")

    log_out(page)
    log_in(page, root_admin.username)
    page.goto(f"/compute/instances/{instance.pk}/console/")
    expect(page.locator("#console-status")).to_have_text("Connected")
    _wait_for_guest_text(page, 3000, timeout=30)
    shot(page, "console-admin")
    page.get_by_role("button", name="Send Ctrl-Alt-Del").click()
