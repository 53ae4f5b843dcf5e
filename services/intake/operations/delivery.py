"""What the backbone tells intake (redacted, stored) and what intake sends again."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.events import Event
from portal_common.outbox import add_event, add_message

from ..models import COMPLETE, PENDING, REDACTED, WITHDRAWAL_DONE, WITHDRAWAL_PENDING, Outbox, Submission
from .events import consent_withdrawn_event, submitted_event

log = logging.getLogger("portal.intake")

RESEND_LIMIT = 10  # re-sends of one report before it is left to an operator


def apply_redacted(session: Session, event: Event, confirmers: tuple[str, ...]) -> None:
    """The redactor's result is back: keep the redacted text, wipe the ciphertext.

    ``confirmers`` are the consumers that must confirm they hold the report before it is
    complete (the registry says which).
    """
    payload = event.payload
    submission = session.get(Submission, str(payload["report_id"]))
    if submission is None or submission.status != PENDING:
        return
    submission.redacted_text = payload["redacted_text"]
    submission.redacted_help = payload.get("redacted_help")
    submission.themes = list(payload["themes"])
    submission.entity_counts = dict(payload["entity_counts"])
    submission.risk = dict(payload["risk"])
    submission.redacted_message = event.to_message()
    submission.ciphertext = None
    submission.status = _status_after_redaction(submission, confirmers)
    submission.unconfirmed_sweeps = 0
    log.info("report redacted, ciphertext wiped", extra={"report_id": submission.id})


def apply_stored(
    session: Session, event: Event, confirmers: tuple[str, ...], withdrawal_confirmers: tuple[str, ...] = ()
) -> None:
    """A consumer confirms it applied an event about a report: its redaction (``confirmers``
    must all confirm it before the report is complete) or the withdrawal of its training
    consent (``withdrawal_confirmers`` must, before the withdrawal is done)."""
    payload = event.payload
    submission = session.get(Submission, str(payload["report_id"]))
    if submission is None:
        return
    consumer = payload["consumer"]
    if payload.get("event_type") == "report.training_consent_withdrawn":
        confirmed = {*(submission.withdrawal_confirmed_by or []), consumer}
        submission.withdrawal_confirmed_by = sorted(confirmed)
        if submission.consent_withdrawal == WITHDRAWAL_PENDING and confirmed.issuperset(withdrawal_confirmers):
            submission.consent_withdrawal = WITHDRAWAL_DONE
        return
    if consumer not in submission.confirmed_by:
        submission.confirmed_by = sorted({*submission.confirmed_by, consumer})
    if submission.status == REDACTED:
        submission.status = _status_after_redaction(submission, confirmers)


def _status_after_redaction(submission: Submission, confirmers: tuple[str, ...]) -> str:
    confirmed = set(submission.confirmed_by or [])
    return COMPLETE if confirmed.issuperset(confirmers) else REDACTED


def _outbox_backlog(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent.is_(False))) or 0


def sweep_unconfirmed(session: Session, confirmers: tuple[str, ...], batch: int = 500) -> int:
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
    if _outbox_backlog(session):
        return 0
    queued = stuck = 0
    query = (
        select(Submission)
        .where(Submission.status.in_((PENDING, REDACTED)))
        .order_by(Submission.id)
        .limit(batch)
    )
    for submission in session.scalars(query):
        missing = [c for c in confirmers if c not in (submission.confirmed_by or [])]
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
        elif submission.redacted_message is not None:
            # The redactor's own message, as received: intake never rebuilds another's event.
            add_message(session, Outbox, submission.redacted_message, targets=missing)
        else:
            continue  # redacted before intake kept the message (migration 0005): nothing to re-send
        queued += 1
    if queued:
        log.info("unconfirmed reports re-sent", extra={"count": queued})
    if stuck:
        log.warning("reports past the re-send limit need an operator (see portal-dlq)", extra={"count": stuck})
    return queued


def sweep_unconfirmed_withdrawals(session: Session, confirmers: tuple[str, ...], batch: int = 500) -> int:
    """Re-send report.training_consent_withdrawn to each consumer that has not confirmed it.

    A withdrawal lost with Redis's queues would leave a reporter's words in the training
    pool against their wishes, so it is confirmed and re-sent like a report: after a whole
    sweep unconfirmed, at most ``RESEND_LIMIT`` times, and not while the outbox has a backlog.
    ``confirmers`` are the subscribers that confirm it (the registry says which).
    """
    if _outbox_backlog(session):
        return 0
    queued = stuck = 0
    query = (
        select(Submission)
        .where(Submission.consent_withdrawal == WITHDRAWAL_PENDING)
        .order_by(Submission.id)
        .limit(batch)
    )
    for submission in session.scalars(query):
        missing = [c for c in confirmers if c not in (submission.withdrawal_confirmed_by or [])]
        if not missing:
            submission.consent_withdrawal = WITHDRAWAL_DONE  # the confirmers changed since
            continue
        if submission.withdrawal_sweeps > RESEND_LIMIT:
            stuck += 1
            continue
        submission.withdrawal_sweeps += 1
        if submission.withdrawal_sweeps == 1:
            continue  # first sight: give it a whole interval
        add_event(session, Outbox, consent_withdrawn_event(submission), targets=missing)
        queued += 1
    if queued:
        log.info("unconfirmed consent withdrawals re-sent", extra={"count": queued})
    if stuck:
        log.warning("consent withdrawals past the re-send limit need an operator (see portal-dlq)",
                    extra={"count": stuck})
    return queued
