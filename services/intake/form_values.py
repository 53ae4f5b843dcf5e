"""The web form's values: reading what was typed, the labels shown back, and error messages.

There are no form classes here: the schemas in schemas.py validate, and the views read
``request.form`` through these helpers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request

from portal_common import taxonomy

# The structured questions come from the taxonomy; the two free-text answers are intake's own.
MULTI = tuple(q.name for q in taxonomy.QUESTIONS if q.multiple)
TEXT = ("account", "what_would_help")
SINGLE = tuple(q.name for q in taxonomy.QUESTIONS if not q.multiple)
KNOWN = (*TEXT, *MULTI, *SINGLE)
MONTHS_OFFERED = 36

# The order questions appear in, with their ids, for the error summary's links.
FIELD_ANCHORS = {
    "account": "account",
    "experience": "experience-1",
    "characteristics": "characteristics-1",
    "sources": "sources-1",
    "setting": "setting-1",
    "staff_group": "staff_group-1",
    "internationally_recruited": "internationally_recruited-1",
    "occurred_month": "occurred_month",
    "impact": "impact-1",
    "what_would_help": "what_would_help",
    "raised_formally": "raised_formally-1",
    "_schema": "main-form",
}


MAX_FORM_VALUES = 60  # the report form has 11 questions and at most ~30 ticked boxes
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def too_many_values() -> bool:
    return sum(len(v) for v in request.form.listvalues()) > MAX_FORM_VALUES


def _undecodable(value: str) -> bool:
    """Werkzeug leaves a value percent-escaped when its bytes are not UTF-8."""
    if not _ESCAPE.search(value):
        return False
    try:
        unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def values_from_request() -> dict[str, Any]:
    """Known fields only, as typed. A browser never sends others; anything else is ignored.

    Text that arrived in another encoding than UTF-8 is marked with U+FFFD, so the schema
    asks the person to retype it rather than storing mojibake.
    """
    values: dict[str, Any] = {}
    for key in KNOWN:
        if key in MULTI:
            values[key] = [v for v in request.form.getlist(key)[: len(taxonomy.CHARACTERISTICS) + 2]]
        else:
            value = request.form.get(key, "")
            values[key] = _ESCAPE.sub("\ufffd", value) if _undecodable(value) else value
    return values


def clean_values(raw: Any) -> dict[str, Any]:
    """Values from a sealed draft, checked for shape (the seal proves we wrote them)."""
    values: dict[str, Any] = {}
    raw = raw if isinstance(raw, dict) else {}
    for key in KNOWN:
        if key in MULTI:
            values[key] = [str(v) for v in raw.get(key) or [] if isinstance(v, str)]
        else:
            value = raw.get(key)
            values[key] = value if isinstance(value, str) else ""
    return values


def month_options(today: dt.date | None = None) -> list[tuple[str, str]]:
    today = today or dt.datetime.now(dt.UTC).date()
    options = []
    year, month = today.year, today.month
    for _ in range(MONTHS_OFFERED):
        options.append((f"{year:04d}-{month:02d}", dt.date(year, month, 1).strftime("%B %Y")))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return options


def month_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return dt.date(int(code[:4]), int(code[5:7]), 1).strftime("%B %Y")
    except ValueError:
        return code


def flatten_errors(messages: dict[str, Any]) -> dict[str, str]:
    """marshmallow's nested messages to one plain sentence per field."""
    flat: dict[str, str] = {}
    unknown = []
    for field, value in messages.items():
        if field not in FIELD_ANCHORS:
            unknown.append(field)
            continue
        flat[field] = first_message(value)
    if unknown:
        flat["_schema"] = "The form contained answers we do not recognise. Please check and try again."
    return flat


def first_message(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return first_message(value[0])
    if isinstance(value, dict) and value:
        return first_message(next(iter(value.values())))
    return "Check this answer."


def summary_rows(values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(question, answer, field) for "check your answers", in form order (the taxonomy's)."""

    def label(question: taxonomy.Question, code: Any) -> str | None:
        try:
            return taxonomy.label_for(question.choices or (), str(code))
        except KeyError:
            return None

    rows = []
    for question in taxonomy.QUESTIONS:
        raw = values.get(question.name)
        if question.choices is None:
            answer = month_label(raw) or ""
        elif question.multiple:
            answer = ", ".join(found for code in raw or [] if (found := label(question, code)))
        else:
            answer = (label(question, raw) if raw else None) or ""
        rows.append((question.summary, answer or "Not answered", question.name))
    return rows
