"""Settings of the management nodes the HA tests start: the portal's, with one periodic
test task (every second) instead of the real periodic jobs."""

from portal.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {"ha-tick": {"task": "tests.portal.ha.tasks.tick", "schedule": 1.0}}
CELERY_IMPORTS = ["tests.portal.ha.tasks"]
