"""The analytics worker: takes in redacted reports and confirms it holds them.

    celery -A portal_ops.workers:analytics worker -Q analytics.events
"""

from celery import Celery

from portal_common.messaging import confirm_stored
from portal_common.routing import Routing
from portal_common.worker import consumer_worker

from . import operations
from .models import DeadLetter, Inbox
from .settings import AnalyticsWorkerSettings

HANDLERS = {"report.redacted": operations.store_redacted, "report.followup_added": operations.store_follow_up}


def make_worker(routing: Routing) -> Celery:
    celery, _task = consumer_worker(
        AnalyticsWorkerSettings, routing, Inbox, DeadLetter, HANDLERS, after_commit=confirm_stored
    )
    return celery
