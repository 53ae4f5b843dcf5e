"""Look a report up with its receipt code, add a note to it, and withdraw the agreement to
training use (web pages). The code always travels in a POST body, never in a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request

from ..form_values import first_message
from ..operations import ConsentWithdrawn, NoteAdded, check_consent, look_up_receipt, withdraw_consent
from ..operations import add_note as add_note_to_report
from ..operations.outcomes import (
    Busy,
    Invalid,
    InvalidNote,
    NoConsentToWithdraw,
    NoteLimitReached,
    NoteNotAdded,
    NotFound,
    RedactorUnavailable,
    Unavailable,
)
from ..operations.published import week_label
from ..receipt_status import characteristic_labels, theme_labels
from ..schemas import NOTE_MAX
from . import intake, log_unavailable

bp = Blueprint("receipt", __name__, url_prefix="/receipt")

NOT_FOUND = ("We could not find a report with that receipt code. Check each word and try "
             "again. The words can be in capitals or small letters.")
REDACTOR_SLOW = ("We could not add your note just now because the service that removes personal "
                 "details did not answer in time. Nothing has been saved. Please try again in a "
                 "few minutes.")
NOTES_FULL = "This report already has the most notes it can take."
NO_CONSENT = ("When you sent this report you did not agree to it being used as a training example, "
              "so there is nothing to withdraw. It will not be used in training.")
BUSY = ("Many people are looking reports up right now. Nothing has been saved. Please try again "
        "in a moment.")


def _find_page(code: str = "", error: str | None = None, status: int = 200):
    return render_template("receipt_find.html", code=code, error=error), status


def _receipt_page(receipt: dict[str, Any], code: str, note: str = "", note_error: str | None = None,
                  added: NoteAdded | None = None, status: int = 200,
                  withdrawn: ConsentWithdrawn | None = None, notice: str | None = None):
    return (
        render_template(
            "receipt.html",
            view=receipt,
            themes=theme_labels(),
            characteristics=characteristic_labels(),
            week_label=week_label,
            code=code,
            note=note,
            note_error=note_error,
            added=added,
            note_max=NOTE_MAX,
            withdrawn=withdrawn,
            notice=notice,
        ),
        status,
    )


def _unavailable(code: str):
    log_unavailable()
    return _find_page(code[:200], "We cannot look reports up right now. Nothing has been changed. "
                      "Please try again later.", 503)


@bp.get("")
def start():
    return _find_page()


@bp.post("")
def find():
    code = request.form.get("code", "")
    try:
        receipt = look_up_receipt(intake(), {"code": code})
    except Invalid as exc:
        return _find_page(code[:200], first_message(exc.messages), 422)
    except NotFound:
        return _find_page(code[:200], NOT_FOUND, 404)
    except Busy:
        return _find_page(code[:200], BUSY, 503)
    except Unavailable:
        log_unavailable()
        return _find_page(code[:200], "We cannot look reports up right now. Please try again later.", 503)
    return _receipt_page(receipt, code)


@bp.post("/note")
def add_note():
    code, note = request.form.get("code", ""), request.form.get("note", "")
    try:
        added = add_note_to_report(intake(), {"code": code, "note": note})
    except NotFound:
        return _find_page(code[:200], NOT_FOUND, 404)
    except Busy:
        return _find_page(code[:200], BUSY, 503)
    except NoteNotAdded as exc:
        if isinstance(exc, InvalidNote):
            error, status = first_message(exc.messages), 422
        elif isinstance(exc, RedactorUnavailable):
            error, status = REDACTOR_SLOW, 503
        else:
            assert isinstance(exc, NoteLimitReached)
            error, status = NOTES_FULL, 422
        return _receipt_page(exc.receipt, code, note, error, status=status)
    except Unavailable:
        log_unavailable()
        return _find_page(code[:200], "We cannot add notes right now. Nothing has been saved.", 503)
    return _receipt_page(added.receipt, code, added=added)


def _consent_step(step: Callable[..., Any]) -> tuple[str, Any, Any]:
    """Run a consent step on the posted receipt code: (code, result, None), or the page that
    refuses it as (code, None, page)."""
    code = request.form.get("code", "")
    try:
        return code, step(intake(), {"code": code}), None
    except Invalid as exc:
        return code, None, _find_page(code[:200], first_message(exc.messages), 422)
    except NotFound:
        return code, None, _find_page(code[:200], NOT_FOUND, 404)
    except Busy:
        return code, None, _find_page(code[:200], BUSY, 503)
    except NoConsentToWithdraw as exc:
        return code, None, _receipt_page(exc.receipt, code, notice=NO_CONSENT, status=409)
    except Unavailable:
        return code, None, _unavailable(code)


@bp.post("/training-consent")
def confirm_withdrawal():
    """Ask the reporter to confirm before their agreement to training use is withdrawn."""
    code, receipt, refused = _consent_step(check_consent)
    if refused is not None:
        return refused
    if receipt["training_consent"] == "withdrawn":
        return _receipt_page(receipt, code, notice="You have already withdrawn your agreement.")
    return render_template("withdraw_consent.html", code=code)


@bp.post("/training-consent/withdraw")
def withdraw():
    code, done, refused = _consent_step(withdraw_consent)
    if refused is not None:
        return refused
    return _receipt_page(done.receipt, code, withdrawn=done)
