"""Look a report up with its receipt code, and add a note to it."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from portal_common.db import unit_of_work

from . import operations, receipt_view
from .forms import _first
from .preview import PreviewUnavailable, request_preview
from .runtime import portal, publisher
from .schemas import NOTE_MAX, FollowUpInputSchema, ReceiptInputSchema

log = logging.getLogger("portal.intake")

bp = Blueprint("receipt", __name__, url_prefix="/receipt")

NOT_FOUND = ("We could not find a report with that receipt code. Check each word and try "
             "again. The words can be in capitals or small letters.")


def _find_page(code: str = "", error: str | None = None, status: int = 200):
    return render_template("receipt_find.html", code=code, error=error), status


def _receipt_page(session, submission, code: str, note: str = "", note_error: str | None = None,
                  added=None, status: int = 200):
    return (
        render_template(
            "receipt.html",
            view=receipt_view.build(session, submission),
            themes=receipt_view.theme_labels(),
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
        data = ReceiptInputSchema().load({"code": code})
    except ValidationError as exc:
        return _find_page(code[:200], _first(exc.messages), 422)
    try:
        with unit_of_work(portal()["sessions"]) as session:
            submission = receipt_view.find(session, portal()["receipts"], data["code"])
            if submission is None:
                return _find_page(code[:200], NOT_FOUND, 404)
            return _receipt_page(session, submission, data["code"])
    except OperationalError:
        log.error("database unavailable", extra={"path": request.path})
        return _find_page(code[:200], "We cannot look reports up right now. Please try again later.", 503)


@bp.post("/note")
def add_note():
    code, note = request.form.get("code", ""), request.form.get("note", "")
    try:
        with unit_of_work(portal()["sessions"]) as session:
            submission = receipt_view.find(session, portal()["receipts"], code[:200])
            if submission is None:
                return _find_page(code[:200], NOT_FOUND, 404)
            try:
                data = FollowUpInputSchema().load({"code": code, "note": note})
            except ValidationError as exc:
                return _receipt_page(session, submission, code, note, _first(exc.messages), status=422)
            try:
                preview = request_preview(publisher(), portal()["cipher"], data["note"], None)
            except PreviewUnavailable:
                return _receipt_page(
                    session, submission, code, note,
                    "We could not add your note just now because the service that removes "
                    "personal details did not answer in time. Nothing has been saved. Please "
                    "try again in a few minutes.", status=503,
                )
            added = operations.add_follow_up(
                session,
                submission,
                {
                    "redacted_text": preview.account.redacted,
                    "themes": preview.account.themes,
                    "entity_counts": preview.account.entity_counts,
                    "risk": preview.account.risk,
                },
            )
            if added is None:
                return _receipt_page(session, submission, code, note,
                                     "This report already has the most notes it can take.", status=422)
            session.flush()
            return _receipt_page(session, submission, code, added=added)
    except OperationalError:
        log.error("database unavailable", extra={"path": request.path})
        return _find_page(code[:200], "We cannot add notes right now. Nothing has been saved.", 503)
