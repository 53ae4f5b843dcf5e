"""Look a report up with its receipt code, and add a note to it (web pages)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from ..form_values import first_message
from ..operations import NoteAdded, look_up_receipt
from ..operations import add_note as add_note_to_report
from ..operations.outcomes import (
    Busy,
    Invalid,
    InvalidNote,
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
BUSY = ("Many people are looking reports up right now. Nothing has been saved. Please try again "
        "in a moment.")


def _find_page(code: str = "", error: str | None = None, status: int = 200):
    return render_template("receipt_find.html", code=code, error=error), status


def _receipt_page(receipt: dict[str, Any], code: str, note: str = "", note_error: str | None = None,
                  added: NoteAdded | None = None, status: int = 200):
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
        ),
        status,
    )


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
