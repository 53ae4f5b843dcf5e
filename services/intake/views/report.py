"""The report journey: form -> check your answers (redacted preview) -> send -> receipt.

Nothing is stored until the person sends. Between "check" and "send" the answers travel in
one sealed hidden field (security.DraftSealer), which can be sent only once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from portal_common import taxonomy

from ..form_values import (
    anchors_for,
    clean_values,
    flatten_errors,
    month_options,
    organisations_as_radios,
    report_answers,
    summary_rows,
    values_from_request,
)
from ..operations import check_report, send_report
from ..operations.outcomes import AlreadySent, Invalid, Unavailable
from ..receipt_status import theme_labels
from ..schemas import ACCOUNT_MAX, HELP_MAX
from ..security import DraftError
from . import intake, log_unavailable

bp = Blueprint("report", __name__, url_prefix="/report")

CONSENT_CHOICES = (taxonomy.Choice("yes", "Yes"), taxonomy.Choice("no", "No"))

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
    organisations = intake().organisations
    return (
        render_template(
            "report_form.html",
            values=values or {},
            errors=errors or {},
            anchors=anchors_for(len(organisations)),
            organisation_choices=[
                *(taxonomy.Choice(org.code, org.name) for org in organisations),
                taxonomy.Choice(taxonomy.PREFER_NOT_TO_SAY, "Prefer not to say"),
            ],
            organisation_radios=organisations_as_radios(len(organisations)),
            consent_choices=CONSENT_CHOICES,
            notice=notice,
            taxonomy=taxonomy,
            months=month_options(),
            account_max=ACCOUNT_MAX,
            help_max=HELP_MAX,
        ),
        status,
    )


def _already_sent():
    return render_template("message.html", title="Already sent", kind="already_sent"), 409


def form_after_csrf_failure():
    """A stale or missing CSRF token: give the form back with what was typed, nothing stored."""
    values = values_from_request()
    token = request.form.get("draft", "")
    if token:
        try:
            _nonce, answers = intake().sealer.open(token, allow_expired=True)
            values = clean_values(answers)
        except DraftError:
            pass
    return render_form(values, {"_schema": MESSAGES["csrf"]}, status=400)


@bp.get("")
def form():
    return render_form()


@bp.post("/check")
def check():
    """Validate, then show the redacted version the person is about to send."""
    ctx = intake()
    token = request.form.get("draft")
    if token is not None:  # "try again" or "check again" from a sealed draft
        try:
            _nonce, answers = ctx.sealer.open(token, allow_expired=True)
        except DraftError:
            return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
        values = clean_values(answers)
    else:
        values = values_from_request()
    try:
        checked = check_report(ctx, report_answers(values))
    except Invalid as exc:
        return render_form(values, flatten_errors(exc.messages), status=422)
    return render_template(
        "check.html",
        preview=checked.preview,
        draft=ctx.sealer.seal(values),
        rows=summary_rows(values, ctx.organisation_name),
        themes=theme_labels(),
    )


@bp.post("/change")
def change():
    """Back from "check your answers" to the form, with every answer as it was."""
    try:
        _nonce, answers = intake().sealer.open(request.form.get("draft", ""), allow_expired=True)
    except DraftError:
        return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
    return render_form(clean_values(answers))


@bp.post("/send")
def send():
    ctx = intake()
    token = request.form.get("draft", "")
    try:
        nonce, answers = ctx.sealer.open(token)
    except DraftError as exc:
        if exc.reason == "expired":
            _n, answers = ctx.sealer.open(token, allow_expired=True)
            return render_form(clean_values(answers), {"_schema": MESSAGES["expired"]}, status=400)
        return render_form(errors={"_schema": MESSAGES["invalid"]}, status=400)
    values = clean_values(answers)
    try:
        sent = send_report(ctx, report_answers(values), draft_nonce=nonce)
    except Invalid as exc:
        return render_form(values, flatten_errors(exc.messages), status=422)
    except AlreadySent:
        return _already_sent()
    except Unavailable:
        log_unavailable()
        return render_form(values, {"_schema": MESSAGES["unavailable"]}, status=503)
    return render_template("sent.html", code=sent.receipt_code, words=sent.receipt_code.split("-"))
