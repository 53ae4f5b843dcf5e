"""Intake's worker: learns when a report has been redacted (and wipes its ciphertext) and
when each consumer holds it.

    celery -A services.intake.worker worker -Q intake.events
"""

from portal_common.worker import consumer_worker

from . import models, operations

celery, handle_event = consumer_worker(
    "intake",
    models,
    {"report.redacted": operations.apply_redacted, "report.stored": operations.apply_stored},
)
