"""The reporter's actions with a receipt code: look the report up, add a note to it, and
withdraw their agreement to training use.

No transaction is open while a look-up is padded to its floor or while the redactor
redacts a note: each database step is its own short unit of work.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from portal_common import organisations
from portal_common.db import unit_of_work

from .. import receipt_status
from ..context import IntakeContext
from ..models import PENDING, Submission
from ..preview import PreviewUnavailable
from ..receipt_codes import pad_to_floor
from ..schemas import FollowUpInputSchema, ReceiptInputSchema
from . import published, records
from .outcomes import (
    Busy,
    Invalid,
    InvalidNote,
    NoConsentToWithdraw,
    NoteLimitReached,
    NotFound,
    RedactorUnavailable,
    Unavailable,
)

# marshmallow schemas keep no state between loads: one instance each, made once.
_RECEIPT_INPUT = ReceiptInputSchema()
_NOTE_INPUT = FollowUpInputSchema()


@dataclass(frozen=True)
class Found:
    report_id: str
    receipt: dict[str, Any]  # what the code shows (receipt_status.build)


@dataclass(frozen=True)
class ConsentWithdrawn:
    receipt: dict[str, Any]  # what the code shows now
    already: bool  # it had been withdrawn before: nothing new was done


@dataclass(frozen=True)
class NoteAdded:
    redacted_text: str
    receipt: dict[str, Any]  # what the code shows now, with the new note


def _find(ctx: IntakeContext, raw_code: str) -> Found:
    """The report a typed code names, in the same time whether it exists or not.

    At most ``LOOKUP_SLOTS`` look-ups run at once in a process (the floor holds a thread);
    one more is refused at once with Busy. Keys are computed, and the floor waited out,
    with no transaction open.
    """
    if not ctx.lookups.try_enter():
        raise Busy
    started = time.monotonic()
    try:
        found = _find_by_keys(ctx, raw_code)
    except OperationalError:
        raise Unavailable from None
    finally:
        pad_to_floor(started)
        ctx.lookups.leave()
    if found is None:
        raise NotFound
    return found


def _find_by_keys(ctx: IntakeContext, raw_code: str) -> Found | None:
    if ctx.v1_keys.stale():
        with unit_of_work(ctx.sessions) as session:
            ctx.v1_keys.record(records.has_v1_receipt_keys(session))
    key = ctx.receipt_keys.key_for_input(raw_code)
    older = (ctx.receipt_keys.v1_key_for_input(raw_code),) if ctx.v1_keys.present else ()
    with unit_of_work(ctx.sessions) as session:
        submission = records.find_by_receipt(session, key, *older)
        if submission is None:
            return None
        if submission.receipt_key != key:
            submission.receipt_key = key  # a version-1 key, replaced now that the code is in hand
        return _found(session, submission)


def _found(session, submission: Submission) -> Found:
    notes = records.follow_ups_of(session, submission)
    themes = (submission.themes or []) if submission.status != PENDING else []
    details = submission.details or {}
    matching = published.matching_actions(
        session, themes, details.get("characteristics") or [], details.get("organisation")
    )
    names = {org.code: org.name for org in organisations.load()} if matching else {}
    receipt = receipt_status.build(
        submission,
        notes,
        in_report=published.in_published_period(session, submission),
        actions=[published.action_view(action, names) for action in matching],
    )
    return Found(submission.id, receipt)


def look_up_receipt(ctx: IntakeContext, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the receipt code in ``values["code"]`` shows; raises Invalid or NotFound."""
    try:
        data = _RECEIPT_INPUT.load(values)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    return _find(ctx, data["code"]).receipt


def add_note(ctx: IntakeContext, values: Mapping[str, Any]) -> NoteAdded:
    """Redact a note and store it on the report its code names.

    1. find the report (one unit of work, padded to the look-up floor);
    2. validate the note and have the redactor redact it, with no session open;
    3. store it in a new unit of work that checks again that the report exists and can
       take one more note.
    """
    raw_code = values.get("code")
    found = _find(ctx, raw_code[:200] if isinstance(raw_code, str) else "")
    try:
        data = _NOTE_INPUT.load(values)
    except ValidationError as exc:
        raise InvalidNote(found.receipt, Invalid(exc.messages).messages) from None
    try:
        preview = ctx.redactor.preview(data["note"], None)
    except PreviewUnavailable:
        raise RedactorUnavailable(found.receipt) from None
    redacted = {
        "redacted_text": preview.account.redacted,
        "themes": preview.account.themes,
        "entity_counts": preview.account.entity_counts,
        "risk": preview.account.risk,
    }
    try:
        with ctx.writes.turn(), unit_of_work(ctx.sessions) as session:
            # Locked (on PostgreSQL) so two notes at once cannot both take the last place.
            submission = session.get(Submission, found.report_id, with_for_update=True)
            if submission is None:
                raise NotFound
            note = records.add_follow_up(session, submission, redacted)
            if note is None:
                raise NoteLimitReached(_found(session, submission).receipt)
            session.flush()
            after = _found(session, submission)
    except OperationalError:
        raise Unavailable from None
    return NoteAdded(note.redacted_text, after.receipt)


def check_consent(ctx: IntakeContext, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the code shows, before a withdrawal is confirmed; raises NoConsentToWithdraw when
    the reporter never agreed (the page to confirm a withdrawal is then not shown)."""
    receipt = look_up_receipt(ctx, values)
    if receipt["training_consent"] == "no":
        raise NoConsentToWithdraw(receipt)
    return receipt


def withdraw_consent(ctx: IntakeContext, values: Mapping[str, Any]) -> ConsentWithdrawn:
    """Withdraw the agreement that the report may be used as a training example.

    Records it and queues report.training_consent_withdrawn in one unit of work, once:
    withdrawing again changes nothing and says so. Raises NoConsentToWithdraw when the
    reporter never agreed.
    """
    try:
        data = _RECEIPT_INPUT.load({"code": values.get("code")})
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    found = _find(ctx, data["code"])
    try:
        with ctx.writes.turn(), unit_of_work(ctx.sessions) as session:
            # Locked (on PostgreSQL) so two withdrawals at once queue one event.
            submission = session.get(Submission, found.report_id, with_for_update=True)
            if submission is None:
                raise NotFound
            if not submission.training_consent:
                raise NoConsentToWithdraw(_found(session, submission).receipt)
            done = records.withdraw_training_consent(session, submission)
            session.flush()
            after = _found(session, submission)
    except OperationalError:
        raise Unavailable from None
    return ConsentWithdrawn(after.receipt, already=not done)
