"""The analytics worker: takes in redacted reports and confirms it holds them.

    celery -A services.analytics.worker worker -Q analytics.events
"""

from portal_common.messaging import confirm_stored
from portal_common.worker import consumer_worker

from . import models, operations

celery, handle_event = consumer_worker(
    "analytics",
    models,
    {"report.redacted": operations.store_redacted, "report.followup_added": operations.store_follow_up},
    after_commit=confirm_stored("analytics"),
)
