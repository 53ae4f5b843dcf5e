"""Intake's use cases, free of Flask and Celery: each takes a session and commits nothing."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from portal_common.crypto import TextCipher
from portal_common.events import Event, make_event
from portal_common.models import today
from portal_common.outbox import add_event, add_message
from portal_common.taxonomy import THEME_CODES

from .models import COMPLETE, PENDING, REDACTED, FollowUp, Outbox, SentDraft, Submission
from .schemas import DETAIL_FIELDS

log = logging.getLogger("portal.intake")


def claim_draft(session: Session, draft_hash: str) -> bool:
    """Record that a checked draft is being sent; False if it was sent before.

    Called in the same unit of work as ``submit_report``, so the claim and the report
    commit together or not at all.
    """
    if session.get(SentDraft, draft_hash) is not None:
        return False
    session.add(SentDraft(nonce_hash=draft_hash, sent_on=today()))
    session.flush()
    return True


def purge_sent_drafts(session: Session) -> int:
    """Forget sent drafts after a day: a draft cannot be sent once it is two hours old."""
    cutoff = today() - dt.timedelta(days=1)
    result = cast(CursorResult, session.execute(delete(SentDraft).where(SentDraft.sent_on < cutoff)))
    return result.rowcount or 0


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week: the finest time any other service learns."""
    return day - dt.timedelta(days=day.weekday())


def submit_report(
    session: Session, cipher: TextCipher, data: dict[str, Any], receipt_key: str | None = None
) -> Submission:
    """Store a new report as ciphertext and queue report.submitted in the same transaction.

    ``receipt_key`` is the keyed hash of the receipt code (see receipts.py), never the code.
    """
    details = {key: data.get(key) for key in DETAIL_FIELDS}
    details["characteristics"] = sorted(details.get("characteristics") or [])
    details["sources"] = sorted(details.get("sources") or [])
    ciphertext = cipher.encrypt_json(
        {"account": data["account"], "what_would_help": data.get("what_would_help")}
    )
    submission = Submission(
        id=str(uuid.uuid4()),
        ciphertext=ciphertext,
        details=details,
        submitted_on=today(),
        status=PENDING,
        receipt_key=receipt_key,
    )
    session.add(submission)
    add_event(session, Outbox, _submitted_event(submission))
    log.info("report accepted", extra={"report_id": submission.id})
    return submission


def _submitted_event(submission: Submission) -> Event:
    return make_event(
        "report.submitted",
        {
            "report_id": uuid.UUID(submission.id),
            "ciphertext": submission.ciphertext,
            "submitted_week": week_start(submission.submitted_on),
            "details": submission.details,
        },
        "intake",
    )


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


def apply_stored(session: Session, event: Event, confirmers: tuple[str, ...]) -> None:
    payload = event.payload
    submission = session.get(Submission, str(payload["report_id"]))
    if submission is None:
        return
    consumer = payload["consumer"]
    if consumer not in submission.confirmed_by:
        submission.confirmed_by = sorted({*submission.confirmed_by, consumer})
    if submission.status == REDACTED:
        submission.status = _status_after_redaction(submission, confirmers)


def _status_after_redaction(submission: Submission, confirmers: tuple[str, ...]) -> str:
    confirmed = set(submission.confirmed_by or [])
    return COMPLETE if confirmed.issuperset(confirmers) else REDACTED


RESEND_LIMIT = 10  # re-sends of one report before it is left to an operator


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
            add_event(session, Outbox, _submitted_event(submission))
        elif submission.redacted_message is not None:
            add_message(session, Outbox, submission.redacted_message, targets=missing)
        else:
            continue  # redacted before intake kept the message (migration 0005): nothing to re-send
        queued += 1
    if queued:
        log.info("unconfirmed reports re-sent", extra={"count": queued})
    if stuck:
        log.warning("reports past the re-send limit need an operator (see portal-dlq)", extra={"count": stuck})
    return queued


# -- receipts -----------------------------------------------------------------------------

FOLLOW_UPS_MAX = 10  # notes one report can carry


def find_by_receipt(session: Session, receipt_key: str) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.receipt_key == receipt_key)).first()


def follow_ups_of(session: Session, submission: Submission) -> list[FollowUp]:
    query = select(FollowUp).where(FollowUp.report_id == submission.id).order_by(FollowUp.position)
    return list(session.scalars(query))


def add_follow_up(session: Session, submission: Submission, redacted: dict[str, Any]) -> FollowUp | None:
    """Store an already-redacted note and queue report.followup_added, in one transaction.

    Returns None when the report already carries the most notes it can.
    """
    count = session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.report_id == submission.id))
    if (count or 0) >= FOLLOW_UPS_MAX:
        return None
    note = FollowUp(
        id=str(uuid.uuid4()),
        report_id=submission.id,
        redacted_text=redacted["redacted_text"],
        themes=sorted(t for t in redacted.get("themes") or [] if t in THEME_CODES),
        entity_counts=dict(redacted.get("entity_counts") or {}),
        risk=redacted.get("risk"),
        position=(count or 0) + 1,
        added_on=today(),
    )
    session.add(note)
    risk = note.risk or {"score": 0.0, "reasons": [], "needs_review": False}
    add_event(
        session,
        Outbox,
        make_event(
            "report.followup_added",
            {
                "followup_id": uuid.UUID(note.id),
                "report_id": uuid.UUID(submission.id),
                "redacted_text": note.redacted_text,
                "entity_counts": note.entity_counts,
                "themes": note.themes,
                "risk": {k: risk[k] for k in ("score", "reasons", "needs_review")},
                "added_week": week_start(note.added_on),
            },
            "intake",
        ),
    )
    log.info("follow-up note accepted", extra={"report_id": submission.id})
    return note
