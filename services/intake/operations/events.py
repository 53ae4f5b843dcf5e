"""The events intake puts in its outbox, built from what it holds."""

from __future__ import annotations

import datetime as dt
import uuid

from portal_common.events import Event, derived_id, make_event

from ..models import FollowUp, Submission


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week: the finest time any other service learns."""
    return day - dt.timedelta(days=day.weekday())


def submitted_event(submission: Submission) -> Event:
    return make_event(
        "report.submitted",
        {
            "report_id": uuid.UUID(submission.id),
            "ciphertext": submission.ciphertext,
            "submitted_week": week_start(submission.submitted_on),
            "details": submission.details,
            # Re-sent after a withdrawal, it says no: the redactor passes that on.
            "training_consent": submission.training_use_agreed,
        },
        "intake",
    )


def followup_added_event(note: FollowUp, training_consent: bool) -> Event:
    risk = note.risk or {"score": 0.0, "reasons": [], "needs_review": False}
    return make_event(
        "report.followup_added",
        {
            "followup_id": uuid.UUID(note.id),
            "report_id": uuid.UUID(note.report_id),
            "redacted_text": note.redacted_text,
            "entity_counts": note.entity_counts,
            "themes": note.themes,
            "risk": {k: risk[k] for k in ("score", "reasons", "needs_review")},
            "added_week": week_start(note.added_on),
            "training_consent": training_consent,
        },
        "intake",
    )


def consent_withdrawn_event(submission: Submission) -> Event:
    """The same id every time, so a re-sent withdrawal is absorbed by the consumer's inbox."""
    return make_event(
        "report.training_consent_withdrawn",
        {"report_id": uuid.UUID(submission.id)},
        "intake",
        event_id=derived_id("report.training_consent_withdrawn", submission.id),
    )
