"""The reporter's actions on a report: check it (see it redacted) and send it.

Shared by the web form and the JSON API. Each takes the raw answers, validates them with
``ReportInputSchema`` and raises an ``outcomes`` exception when it cannot go ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from portal_common.db import unit_of_work

from ..context import IntakeContext
from ..preview import Preview, PreviewUnavailable
from ..receipt_codes import new_code
from ..security import nonce_hash
from . import records
from .outcomes import AlreadySent, Invalid, Unavailable

log = logging.getLogger("portal.intake")


@dataclass(frozen=True)
class CheckedReport:
    data: dict[str, Any]  # the answers as the schema loaded them
    preview: Preview | None  # None: the redactor did not answer in time


@dataclass(frozen=True)
class SentReport:
    report_id: str
    receipt_code: str  # shown to the person once, never stored


def validate_report(ctx: IntakeContext, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as ``ctx.report_input`` loads them (it knows the configured organisations)."""
    try:
        return ctx.report_input.load(answers)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def check_report(ctx: IntakeContext, answers: Mapping[str, Any]) -> CheckedReport:
    """Validate, then ask the redactor what the text looks like redacted. Stores nothing."""
    data = validate_report(ctx, answers)
    try:
        preview = ctx.redactor.preview(data["account"], data.get("what_would_help"))
    except PreviewUnavailable:
        preview = None
    return CheckedReport(data, preview)


def send_report(ctx: IntakeContext, answers: Mapping[str, Any], draft_nonce: str | None = None) -> SentReport:
    """Store a report with a new receipt code, in one short unit of work.

    ``draft_nonce`` is the web form's single-use draft id: a draft is stored once at most.
    """
    data = validate_report(ctx, answers)
    code = new_code()
    receipt_key = ctx.receipt_keys.lookup_key(code)  # outside the transaction
    try:
        with ctx.writes.turn(), unit_of_work(ctx.sessions) as session:
            if draft_nonce is not None and not records.claim_draft(session, nonce_hash(draft_nonce)):
                raise AlreadySent
            submission = records.submit_report(session, ctx.cipher, data, receipt_key=receipt_key)
    except IntegrityError:
        if draft_nonce is None:
            raise
        raise AlreadySent from None  # two sends of the same draft raced; the other one stored it
    except OperationalError:
        raise Unavailable from None
    return SentReport(submission.id, code)
