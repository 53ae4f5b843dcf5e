"""The training worker: takes in redacted reports and confirms it holds them.

    celery -A services.training.worker worker -Q training.events
"""

from portal_common.messaging import confirm_stored
from portal_common.worker import consumer_worker

from . import models, operations

celery, handle_event = consumer_worker(
    "training",
    models,
    {"report.redacted": operations.add_candidate, "report.followup_added": operations.add_follow_up},
    after_commit=confirm_stored("training"),
)
