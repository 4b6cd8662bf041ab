"""The HA tests' periodic task: each execution appends its time to a Redis list."""

import time

import redis
from celery import current_app, shared_task

TICKS = "ha-test-ticks"
TICK_QUEUE = "ha-ticks"  # consumed only by the HA tests' worker


@shared_task(name="tests.portal.ha.tasks.tick")
def tick() -> None:
    redis.Redis.from_url(current_app.conf.broker_url).rpush(TICKS, time.time())
