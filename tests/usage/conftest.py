"""Fixtures for the usage tests: a settable clock and a cloud with public IPs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


class Clock:
    """``django.utils.timezone.now`` answers ``self.now`` (audit and usage event times)."""

    def __init__(self, start: datetime):
        self.now = start

    def at(self, **delta) -> Clock:
        self.now = T0 + timedelta(**delta)
        return self


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    clock = Clock(T0)
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def ip_cloud(cloud):
    """``cloud`` plus a public IP range 203.0.113.10-20 on its physical network."""
    from networking.services import create_public_ip_range

    create_public_ip_range(
        acting_user=None,
        zone=cloud["zone"],
        physical_network=cloud["physical"],
        gateway="203.0.113.1",
        netmask="255.255.255.0",
        start_ip="203.0.113.10",
        end_ip="203.0.113.20",
    )
    return cloud
