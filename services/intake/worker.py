"""Intake's worker: learns when a report has been redacted (and wipes its ciphertext), when
each consumer holds it, when each has applied a withdrawal of training consent, what
analytics publishes ("you said, we did" actions, releases) and when training publishes a case
study made from a report, or takes it out of its library.

    celery -A portal_ops.workers:intake worker -Q intake.events
"""

from functools import partial

from celery import Celery

from portal_common.messaging import Handler
from portal_common.routing import Routing
from portal_common.worker import consumer_worker

from . import operations
from .models import DeadLetter, Inbox
from .settings import IntakeWorkerSettings


def make_worker(routing: Routing) -> Celery:
    # Who must confirm a redacted report before intake stops re-sending it: the registry says.
    confirmers = routing.confirmers_of("report.redacted")
    withdrawal_confirmers = routing.confirmers_of("report.training_consent_withdrawn")
    handlers: dict[str, Handler] = {
        "report.redacted": partial(operations.apply_redacted, confirmers=confirmers),
        "report.stored": partial(
            operations.apply_stored, confirmers=confirmers, withdrawal_confirmers=withdrawal_confirmers
        ),
        "action.published": operations.apply_action_published,
        "action.withdrawn": operations.apply_action_withdrawn,
        "release.published": operations.apply_release_published,
        "case.published": operations.apply_case_published,
        "case.withdrawn": operations.apply_case_withdrawn,
    }
    celery, _task = consumer_worker(IntakeWorkerSettings, routing, Inbox, DeadLetter, handlers)
    return celery
