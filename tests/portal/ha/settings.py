"""Settings of the management nodes the HA tests start: the portal's, with one periodic
test task (every second) instead of the real periodic jobs."""

from portal.settings import *  # noqa: F403
from tests.portal.ha.tasks import TICK_QUEUE

# Its own queue: another test worker on the same Redis (the session's) must not take the ticks.
CELERY_BEAT_SCHEDULE = {
    "ha-tick": {
        "task": "tests.portal.ha.tasks.tick",
        "schedule": 1.0,
        "options": {"queue": TICK_QUEUE},
    }
}
CELERY_IMPORTS = ["tests.portal.ha.tasks"]
