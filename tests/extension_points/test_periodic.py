"""``celery.periodic``: the UI sample's status refresh is in the beat schedule and runs
through the gate only while the plugin is enabled."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db
ENTRY = "plugin:org.example.status-page:status-refresh"


@pytest.fixture
def beat_schedule():
    from portal.celery import app

    before = app.conf.beat_schedule
    yield app
    app.conf.beat_schedule = before


def test_status_refresh_is_scheduled_and_gated(sample_plugin, beat_schedule):
    from portal.celery import _add_plugin_periodic, run_plugin_periodic

    sample = sample_plugin("ui_plugin", banner="Degraded")
    _add_plugin_periodic(beat_schedule)
    entry = beat_schedule.conf.beat_schedule[ENTRY]
    assert entry["task"] == "portal.celery.run_plugin_periodic"
    assert entry["schedule"] == 60.0
    assert entry["args"][:2] == ("org.example.status-page", "sample_ui.refresh_status")

    cache.delete("sample_ui:status")
    assert run_plugin_periodic.run(*entry["args"]) == {"banner": "Degraded", "instances": 0}
    assert cache.get("sample_ui:status") == {"banner": "Degraded", "instances": 0}

    sample.set_enabled(False)
    cache.delete("sample_ui:status")
    assert run_plugin_periodic.run(*entry["args"]) == {
        "skipped": "plugin org.example.status-page is disabled"
    }
    assert cache.get("sample_ui:status") is None


def test_not_scheduled_without_the_plugin(beat_schedule):
    from portal.celery import plugin_beat_entries

    assert ENTRY not in plugin_beat_entries()
