"""The report journey: form -> check your answers (redacted preview) -> send -> receipt.

Nothing is stored until the person sends. Between "check" and "send" the answers travel in
one sealed hidden field (security.DraftSealer), which can be sent only once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from portal_common import taxonomy
from portal_common.db import unit_of_work

from . import operations, receipts
from .forms import (
    FIELD_ANCHORS,
    clean_values,
    flatten_errors,
    month_options,
    summary_rows,
    values_from_request,
)
from .preview import PreviewUnavailable, request_preview
from .runtime import portal, publisher
from .schemas import ACCOUNT_MAX, HELP_MAX, ReportInputSchema
from .security import DraftError, nonce_hash

log = logging.getLogger("portal.intake")

bp = Blueprint("report", __name__, url_prefix="/report")

MESSAGES = {
    "csrf": "This page was open for a long time, or your browser blocked our cookie, so we "
    "could not accept the form. Your answers are still here: check them and continue.",
    "expired": "It has been more than 2 hours since you checked your answers, so we need to "
    "check them again. Your answers are still here.",
    "invalid": "We could not read the answers you were checking. Please fill in the form again.",
    "used": "This report has already been sent. We do not send the same report twice.",
    "unavailable": "We cannot take reports right now. Nothing has been saved. Your answers "
    "are still here: please try again in a few minutes.",
}


def render_form(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                status: int = 200, notice: str | None = None):
    return (
        render_template(
            "report_form.html",
            values=values or {},
            errors=errors or {},
            anchors=FIELD_ANCHORS,
            notice=notice,
            taxonomy=taxonomy,
            months=month_options(),
            account_max=ACCOUNT_MAX,
            help_max=HELP_MAX,
        ),
        status,
    )


def form_after_csrf_failure():
    """A stale or missing CSRF token: give the form back with what was typed, nothing stored."""
    values = values_from_request()
    token = request.form.get("draft", "")
    if token:
        try:
            _nonce, answers = portal()["sealer"].open(token, allow_expired=True)
            values = clean_values(answers)
        except DraftError:
            pass
    return render_form(values, {"_schema": MESSAGES["csrf"]}, status=400)


def _validate(values: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        return ReportInputSchema().load(values), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, flatten_errors(messages)


@bp.get("")
def form():
    return render_form()


@bp.post("/check")
def check():
    """Validate, then show the redacted version the person is about to send."""
    token = request.form.get("draft")
    if token is not None:  # "try again" or "check again" from a sealed draft
        try:
            _nonce, answers = portal()["sealer"].open(token, allow_expired=True)
        except DraftError:
            return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
        values = clean_values(answers)
    else:
        values = values_from_request()
    data, errors = _validate(values)
    if data is None:
        return render_form(values, errors, status=422)
    preview = None
    try:
        preview = request_preview(
            publisher(), portal()["cipher"], data["account"], data.get("what_would_help")
        )
    except PreviewUnavailable:
        preview = None
    return render_template(
        "check.html",
        preview=preview,
        draft=portal()["sealer"].seal(values),
        rows=summary_rows(values),
        themes={t.code: t.label for t in taxonomy.THEMES},
    )


@bp.post("/change")
def change():
    """Back from "check your answers" to the form, with every answer as it was."""
    try:
        _nonce, answers = portal()["sealer"].open(request.form.get("draft", ""), allow_expired=True)
    except DraftError:
        return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
    return render_form(clean_values(answers))


@bp.post("/send")
def send():
    try:
        nonce, answers = portal()["sealer"].open(request.form.get("draft", ""))
    except DraftError as exc:
        if exc.reason == "expired":
            _n, answers = portal()["sealer"].open(request.form.get("draft", ""), allow_expired=True)
            return render_form(clean_values(answers), {"_schema": MESSAGES["expired"]}, status=400)
        return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
    values = clean_values(answers)
    data, errors = _validate(values)
    if data is None:
        return render_form(values, errors, status=422)
    code = receipts.new_code()
    try:
        with unit_of_work(portal()["sessions"]) as session:
            if not operations.claim_draft(session, nonce_hash(nonce)):
                return render_template("message.html", title="Already sent", kind="already_sent"), 409
            operations.submit_report(
                session, portal()["cipher"], data, receipt_key=portal()["receipts"].lookup_key(code)
            )
    except IntegrityError:
        # Two sends of the same draft raced; the other one stored it.
        return render_template("message.html", title="Already sent", kind="already_sent"), 409
    except OperationalError:
        log.error("database unavailable", extra={"path": request.path})
        return render_form(values, {"_schema": MESSAGES["unavailable"]}, status=503)
    return render_template("sent.html", code=code, words=code.split("-"))
