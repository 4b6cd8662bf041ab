"""A ``cs`` client for a live server, acting as a user (new API key) or with a key pair."""

from __future__ import annotations

from cs import CloudStack


def cs_api(live_server, who) -> CloudStack:
    """``who``: a user (a key is made for it) or an (api key, secret) pair; async commands
    are polled every 50 ms and answer their job's result."""
    if not isinstance(who, tuple):
        from tests.cloudstack.test_clients import _keys

        who = _keys(who)
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=who[0],
        secret=who[1],
        poll_interval=0.05,
        fetch_result=True,
    )
