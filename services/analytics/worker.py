"""The analytics worker: takes in redacted reports and confirms it holds them; and, on a queue
of its own, the release job (services/analytics/jobs.py).

    celery -A portal_ops.workers:analytics worker -Q analytics.events
    celery -A portal_ops.workers:analytics worker -Q analytics.releases -c 1
"""

from functools import cache

import redis
from celery import Celery

from portal_common import organisations
from portal_common.messaging import confirm_stored
from portal_common.models import today
from portal_common.routing import Routing
from portal_common.worker import consumer_worker

from . import disclosure, jobs, operations
from .models import DeadLetter, Inbox
from .releases import ReleasePolicy
from .settings import AnalyticsWorkerSettings

HANDLERS = {"report.redacted": operations.store_redacted, "report.followup_added": operations.store_follow_up}


def make_worker(routing: Routing) -> Celery:
    celery, _task = consumer_worker(
        AnalyticsWorkerSettings, routing, Inbox, DeadLetter, HANDLERS, after_commit=confirm_stored
    )

    @cache
    def broker() -> redis.Redis:
        settings = celery.portal_runtime().settings  # type: ignore[attr-defined]
        return redis.Redis.from_url(settings.redis_url)

    @celery.task(name=jobs.TASK, queue=jobs.QUEUE, ignore_result=True)
    def release_job() -> None:
        runtime = celery.portal_runtime()  # type: ignore[attr-defined]
        settings: AnalyticsWorkerSettings = runtime.settings
        policy = ReleasePolicy(
            rule=disclosure.Rule(k=settings.disclosure_k),
            lag_days=settings.release_lag_days,
            grace_days=settings.release_grace_days,
        )
        jobs.run_once(
            broker(),
            settings.release_job_lock,
            runtime.sessions,
            today(),
            policy,
            [org.code for org in organisations.load()],
            settings.retention_days,
        )

    return celery
