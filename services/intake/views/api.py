"""The JSON API, so a trust can embed the form in its own intranet.

Documented by flask-smorest from the marshmallow schemas: GET /api/v1/openapi.json.
Bodies are parsed by hand, so every failure answers ``{"errors": {field: [messages]}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from apispec import APISpec
from flask import jsonify, request
from flask_smorest import Blueprint

from portal_common.organisations import Organisation
from portal_common.taxonomy import PREFER_NOT_TO_SAY

from ..operations import add_note as add_note_to_report
from ..operations import look_up_receipt, send_report
from ..operations.outcomes import (
    Busy,
    Invalid,
    InvalidNote,
    NoteLimitReached,
    NotFound,
    RedactorUnavailable,
    Unavailable,
)
from ..schemas import (
    FieldErrorsSchema,
    FollowUpAcceptedSchema,
    FollowUpInputSchema,
    ReceiptInputSchema,
    ReceiptSchema,
    ReportAcceptedSchema,
    ReportInputSchema,
)
from . import intake, log_unavailable

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Anonymous reports and receipts")

NOT_FOUND = "No report has that receipt code."

# Every body the API takes is an object of strings and lists of strings: depth 2.
MAX_DEPTH = 32
# A JSON string (possessive, so an unterminated one costs one pass) or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\[\s\S])*+"?|[\[\]{}]')

REFUSALS = {
    400: "The body is not JSON in UTF-8, or is nested too deeply",
    413: "The body is larger than 64 KiB",
    415: "The body is not sent as application/json",
    422: "Field errors, or the body is not a JSON object",
    429: "Too many requests from this connection",
    503: "Unavailable, nothing was stored: the database is away, every receipt look-up slot is "
    "taken (with Retry-After), or, for notes, the redactor did not answer in time",
}


def document_organisations(spec: APISpec, organisations: Sequence[Organisation]) -> None:
    """Put the configured organisations in the document: the schema class cannot know them,
    because the list is the operator's (read when the app starts)."""
    field = spec.components.schemas["ReportInput"]["properties"]["organisation"]
    field["enum"] = [*(org.code for org in organisations), PREFER_NOT_TO_SAY, "", None]
    field["nullable"] = True
    names = "; ".join(f"{org.code}: {org.name}" for org in organisations)
    field["description"] = (
        "The organisation the reporter was with when it happened: a code from the operator's list "
        f"({names}), or prefer_not_to_say. Empty or null: not answered."
    )


def _refusals(*statuses: int):
    """Document the error answers a route gives, all in the FieldErrors shape."""

    def decorate(view):
        for status in reversed(statuses):
            view = blp.alt_response(status, schema=FieldErrorsSchema, description=REFUSALS[status])(view)
        return view

    return decorate


def _with_text_keys(messages: Any) -> Any:
    """marshmallow keys a list's messages by item position (int) next to "_schema" (str):
    JSON keys are text, and mixed keys cannot be sorted."""
    if isinstance(messages, dict):
        return {str(key): _with_text_keys(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_with_text_keys(value) for value in messages]
    return messages


def _errors(messages: Any, status: int):
    if not isinstance(messages, dict):
        messages = {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    response = jsonify(errors=_with_text_keys(messages))
    response.status_code = status
    return response


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects nest deeper than ``limit`` (brackets in strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(raw):
        kind = token.group()
        if kind in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif kind in (b"]", b"}"):
            depth -= 1
    return False


def _json_body():
    """The parsed body, or an error response for a body that is not a JSON object in UTF-8."""
    if not request.is_json:
        return None, _errors({"_schema": ["Send the body as application/json."]}, 415)
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    if too_deep(raw):
        return None, _errors({"_schema": ["The body is nested too deeply."]}, 400)
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError
        return None, _errors({"_schema": ["The body is not valid JSON in UTF-8."]}, 400)
    except RecursionError:  # not reached below MAX_DEPTH; kept so it can never be a 500
        return None, _errors({"_schema": ["The body is nested too deeply."]}, 400)
    if not isinstance(body, dict):
        return None, _errors({"_schema": ["Send a JSON object."]}, 422)
    return body, None


def _busy():
    response = _errors({"_schema": ["Too many receipt codes are being looked up right now. "
                                    "Nothing has been saved. Try again in a moment."]}, 503)
    response.headers["Retry-After"] = "1"
    return response


def _unavailable():
    log_unavailable()
    return _errors({"_schema": ["We cannot take this right now. Nothing has been saved. "
                                "Please try again shortly."]}, 503)


@blp.route("/reports", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": ReportInputSchema}}})
@blp.response(202, ReportAcceptedSchema)
@_refusals(400, 413, 415, 422, 429, 503)
def create_report():
    """Send a report. Only ``account`` is required. Keep the receipt code: it is shown once."""
    body, error = _json_body()
    if error is not None:
        return error
    try:
        sent = send_report(intake(), body)
    except Invalid as exc:
        return _errors(exc.messages, 422)
    except Unavailable:
        return _unavailable()
    return {"id": sent.report_id, "status": "received", "receipt_code": sent.receipt_code}, 202


@blp.route("/receipts/lookup", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": ReceiptInputSchema}}})
@blp.response(200, ReceiptSchema)
@blp.alt_response(404, schema=FieldErrorsSchema, description="No report has that code")
@_refusals(400, 413, 415, 422, 429, 503)
def lookup_receipt():
    """Look a report up by its receipt code: redacted text, tags, progress, actions, notes.

    The code travels in the body, never the URL, so it stays out of histories and proxies.
    """
    body, error = _json_body()
    if error is not None:
        return error
    try:
        return look_up_receipt(intake(), body)
    except Invalid as exc:
        return _errors(exc.messages, 422)
    except NotFound:
        return _errors({"code": [NOT_FOUND]}, 404)
    except Busy:
        return _busy()
    except Unavailable:
        return _unavailable()


@blp.route("/receipts/notes", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": FollowUpInputSchema}}})
@blp.response(202, FollowUpAcceptedSchema)
@blp.alt_response(404, schema=FieldErrorsSchema, description="No report has that code")
@_refusals(400, 413, 415, 422, 429, 503)
def add_note():
    """Add a note to a report. It is redacted before it is stored; the answer shows how."""
    body, error = _json_body()
    if error is not None:
        return error
    try:
        added = add_note_to_report(intake(), body)
    except NotFound:
        return _errors({"code": [NOT_FOUND]}, 404)
    except Busy:
        return _busy()
    except InvalidNote as exc:
        return _errors(exc.messages, 422)
    except RedactorUnavailable:
        return _errors({"_schema": ["The service that removes personal details did not "
                                    "answer in time. Nothing has been saved."]}, 503)
    except NoteLimitReached:
        return _errors({"note": ["This report already has the most notes it can take."]}, 422)
    except Unavailable:
        return _unavailable()
    return {"redacted_text": added.redacted_text, "status": "added"}, 202
