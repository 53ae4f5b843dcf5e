"""The training worker: takes in the redacted reports (and notes) of reporters who agreed to
training use, deletes them when that agreement is withdrawn, and confirms every report and
withdrawal it has applied, kept or not.

    celery -A portal_ops.workers:training worker -Q training.events
"""

from celery import Celery

from portal_common.messaging import confirm_stored
from portal_common.routing import Routing
from portal_common.worker import consumer_worker

from . import operations
from .models import DeadLetter, Inbox
from .settings import TrainingWorkerSettings

HANDLERS = {
    "report.redacted": operations.add_candidate,
    "report.followup_added": operations.add_follow_up,
    "report.training_consent_withdrawn": operations.withdraw_consent,
}


def make_worker(routing: Routing) -> Celery:
    celery, _task = consumer_worker(
        TrainingWorkerSettings, routing, Inbox, DeadLetter, HANDLERS, after_commit=confirm_stored
    )
    return celery
