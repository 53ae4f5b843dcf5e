"""What the backbone tells intake (redacted, stored) and what intake sends again."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.events import Event
from portal_common.outbox import add_event

from ..models import COMPLETE, CONFIRMING_CONSUMERS, PENDING, REDACTED, Outbox, Submission
from .events import redacted_event, submitted_event

log = logging.getLogger("portal.intake")

RESEND_LIMIT = 10  # re-sends of one report before it is left to an operator


def apply_redacted(session: Session, event: Event) -> None:
    """The redactor's result is back: keep the redacted text, wipe the ciphertext."""
    payload = event.payload
    submission = session.get(Submission, str(payload["report_id"]))
    if submission is None or submission.status != PENDING:
        return
    submission.redacted_text = payload["redacted_text"]
    submission.redacted_help = payload.get("redacted_help")
    submission.themes = list(payload["themes"])
    submission.entity_counts = dict(payload["entity_counts"])
    submission.risk = dict(payload["risk"])
    submission.ciphertext = None
    submission.status = _status_after_redaction(submission)
    submission.unconfirmed_sweeps = 0
    log.info("report redacted, ciphertext wiped", extra={"report_id": submission.id})


def apply_stored(session: Session, event: Event) -> None:
    payload = event.payload
    submission = session.get(Submission, str(payload["report_id"]))
    if submission is None:
        return
    consumer = payload["consumer"]
    if consumer not in submission.confirmed_by:
        submission.confirmed_by = sorted({*submission.confirmed_by, consumer})
    if submission.status == REDACTED:
        submission.status = _status_after_redaction(submission)


def _status_after_redaction(submission: Submission) -> str:
    confirmed = set(submission.confirmed_by or [])
    return COMPLETE if confirmed.issuperset(CONFIRMING_CONSUMERS) else REDACTED


def sweep_unconfirmed(session: Session, batch: int = 500) -> int:
    """Re-send what has not been confirmed after a whole sweep interval.

    A report still pending gets report.submitted again; a redacted report that some
    consumer has not confirmed gets report.redacted again, to that consumer only. This
    recovers events that Redis lost (a restart without persistence). Returns how many
    events were queued.

    Nothing is re-sent while the outbox still has unsent events (the broker is away or
    behind: more copies would only pile up), and a report re-sent ``RESEND_LIMIT`` times is
    left alone and counted in the log: its failures sit in a dead-letter table for an
    operator to inspect and replay.
    """
    backlog = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent.is_(False))) or 0
    if backlog:
        return 0
    queued = stuck = 0
    query = (
        select(Submission)
        .where(Submission.status.in_((PENDING, REDACTED)))
        .order_by(Submission.id)
        .limit(batch)
    )
    for submission in session.scalars(query):
        missing = [c for c in CONFIRMING_CONSUMERS if c not in (submission.confirmed_by or [])]
        if submission.resend_count >= RESEND_LIMIT:
            stuck += 1
            continue
        if submission.unconfirmed_sweeps < 1:
            submission.unconfirmed_sweeps += 1
            continue
        submission.unconfirmed_sweeps = 0
        submission.resend_count += 1
        if submission.status == PENDING:
            if submission.ciphertext is None:
                continue
            add_event(session, Outbox, submitted_event(submission))
        else:
            add_event(session, Outbox, redacted_event(submission), targets=missing)
        queued += 1
    if queued:
        log.info("unconfirmed reports re-sent", extra={"count": queued})
    if stuck:
        log.warning("reports past the re-send limit need an operator (see portal-dlq)", extra={"count": stuck})
    return queued
