"""What intake stores, one step at a time: each function takes a session and commits nothing.

The user actions in ``report.py`` and ``receipt.py`` decide where one unit of work ends and
the next begins; the relay and the demo data call these steps directly.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from portal_common.crypto import TextCipher
from portal_common.events import ORGANISATION
from portal_common.models import today
from portal_common.outbox import add_event
from portal_common.taxonomy import THEME_CODES

from ..models import PENDING, WITHDRAWAL_PENDING, FollowUp, Outbox, SentDraft, Submission
from ..receipt_codes import V2_PREFIX
from ..receipt_status import FOLLOW_UPS_MAX
from ..schemas import DETAIL_FIELDS
from .events import consent_withdrawn_event, followup_added_event, submitted_event

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


def submit_report(
    session: Session, cipher: TextCipher, data: dict[str, Any], receipt_key: str | None = None
) -> Submission:
    """Store a new report as ciphertext and queue report.submitted in the same transaction.

    ``data`` is what ``ReportInputSchema`` loaded. ``receipt_key`` is the keyed hash of the
    receipt code (see receipt_codes.py), never the code.
    """
    details = {key: data.get(key) for key in DETAIL_FIELDS}
    details["characteristics"] = sorted(details.get("characteristics") or [])
    details["sources"] = sorted(details.get("sources") or [])
    details[ORGANISATION] = data.get(ORGANISATION)
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
        training_consent=bool(data.get("training_consent")),
    )
    session.add(submission)
    add_event(session, Outbox, submitted_event(submission))
    log.info("report accepted", extra={"report_id": submission.id})
    return submission


def find_by_receipt(session: Session, receipt_key: str, *older_keys: str) -> Submission | None:
    """The report holding ``receipt_key`` or, for reports sent before version 2, an older key."""
    keys = (receipt_key, *older_keys)
    return session.scalars(select(Submission).where(Submission.receipt_key.in_(keys))).first()


def has_v1_receipt_keys(session: Session) -> bool:
    """Does any report still hold a version-1 receipt key (no "v2:" prefix)?"""
    query = (
        select(Submission.id)
        .where(Submission.receipt_key.is_not(None), Submission.receipt_key.not_like(f"{V2_PREFIX}%"))
        .limit(1)
    )
    return session.scalar(query) is not None


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
    add_event(session, Outbox, followup_added_event(note, submission.training_use_agreed))
    log.info("follow-up note accepted", extra={"report_id": submission.id})
    return note


def withdraw_training_consent(session: Session, submission: Submission) -> bool:
    """Record that the reporter withdrew their agreement, and queue
    report.training_consent_withdrawn in the same transaction. False when there was no
    agreement to withdraw, or it was withdrawn before (nothing is queued twice)."""
    if not submission.training_use_agreed:
        return False
    submission.consent_withdrawal = WITHDRAWAL_PENDING
    submission.withdrawal_confirmed_by = []
    submission.withdrawal_sweeps = 0
    add_event(session, Outbox, consent_withdrawn_event(submission))
    log.info("training consent withdrawn", extra={"report_id": submission.id})
    return True
