"""The web form's values: reading what was typed, the labels shown back, and error messages.

There are no form classes here: the schemas in schemas.py validate, and the views read
``request.form`` through these helpers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request

from portal_common import taxonomy

# The structured questions come from the taxonomy; the two free-text answers are intake's own,
# and so are the organisation (the operator's list) and the training consent.
ORGANISATION = "organisation"
CONSENT = "training_consent"
MULTI = tuple(q.name for q in taxonomy.QUESTIONS if q.multiple)
TEXT = ("account", "what_would_help")
SINGLE = (*(q.name for q in taxonomy.QUESTIONS if not q.multiple), ORGANISATION, CONSENT)
KNOWN = (*TEXT, *MULTI, *SINGLE)
MONTHS_OFFERED = 36
# Up to this many organisations are offered as radios; a longer list is a select.
ORGANISATION_RADIOS_MAX = 8

# The order questions appear in, with their ids, for the error summary's links.
FIELD_ANCHORS = {
    "account": "account",
    "experience": "experience-1",
    "characteristics": "characteristics-1",
    "sources": "sources-1",
    "setting": "setting-1",
    ORGANISATION: "organisation",  # the select; organisation-1 when the list is short (anchors_for)
    "staff_group": "staff_group-1",
    "internationally_recruited": "internationally_recruited-1",
    "occurred_month": "occurred_month",
    "impact": "impact-1",
    "what_would_help": "what_would_help",
    "raised_formally": "raised_formally-1",
    CONSENT: "training_consent-1",
    "_schema": "main-form",
}


def organisations_as_radios(count: int) -> bool:
    return count <= ORGANISATION_RADIOS_MAX


def anchors_for(organisation_count: int) -> dict[str, str]:
    """Where each error summary link goes: the organisation's first radio, or its select."""
    if organisations_as_radios(organisation_count):
        return {**FIELD_ANCHORS, ORGANISATION: "organisation-1"}
    return FIELD_ANCHORS


def report_answers(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the report schema takes them: the consent radios' "yes" and "no"
    (or nothing chosen: no) become true and false; anything else is left for the schema to refuse."""
    consent = values.get(CONSENT, "")
    converted = {"yes": True, "no": False, "": False}.get(consent, consent) if isinstance(consent, str) else consent
    return {**values, CONSENT: converted}


MAX_FORM_VALUES = 60  # the report form has 13 questions and at most ~30 ticked boxes
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


def summary_rows(values: dict[str, Any], organisation_name: Callable[[str], str | None]) -> list[tuple[str, str, str]]:
    """(question, answer, field) for "check your answers", in form order (the taxonomy's, with
    the organisation after the setting and the training consent last)."""

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
        if question.name == "setting":
            code = values.get(ORGANISATION) or ""
            named = "Prefer not to say" if code == taxonomy.PREFER_NOT_TO_SAY else organisation_name(code)
            rows.append(("Organisation", named or "Not answered", ORGANISATION))
    agreed = values.get(CONSENT) == "yes"
    rows.append(("Use as a training example", "Yes" if agreed else "No", CONSENT))
    return rows
