"""What intake accepts from a reporter, and what it says back.

The OpenAPI document is generated from these schemas, so each field documents the rules the
server applies: the patterns below say in JSON Schema terms what the validators check in
Python (see tests/intake/test_schemas.py), so data the document accepts is data the server
accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from portal_common import events, organisations, taxonomy

ACCOUNT_MAX = 5000
HELP_MAX = 1000
NOTE_MAX = 2000

# Text is refused when it holds a control character other than tab and newline (CR only
# as part of CRLF), U+FFFD (bytes that were not UTF-8) or a lone surrogate. Whitespace at
# either end is trimmed, as Python's str.strip() does; text that is only whitespace is blank.
_UNREADABLE = r"\u0000-\u0008\u000b-\u001f\ufffd"
_SPACE = r"\u0009\u000a\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
READABLE_TEXT = rf"^(?:\r\n|[^{_UNREADABLE}])*$"
# Readable, and at least one character that is not whitespace. The leading part matches
# whitespace only, so the pattern never backtracks.
SOME_TEXT = rf"^(?:\r\n|[{_SPACE}])*[^{_UNREADABLE}{_SPACE}](?:\r\n|[^{_UNREADABLE}])*$"
_UNREADABLE_CHAR = re.compile(rf"[{_UNREADABLE}\ud800-\udfff]")  # after CRLF -> LF

UNREADABLE_MESSAGE = "Some characters could not be read. Please retype the text without special symbols."


def _is_readable(value: str) -> bool:
    return _UNREADABLE_CHAR.search(value) is None


def _readable(value: str) -> None:
    """Reject text that did not arrive as clean UTF-8 (replacement or control characters)."""
    if not _is_readable(value):
        raise ValidationError(UNREADABLE_MESSAGE)


def _tidy(value: str) -> str:
    """CRLF to LF, and whitespace trimmed unless the text will be refused as unreadable."""
    value = value.replace("\r\n", "\n")
    return value.strip() if _is_readable(value) else value


def _choice(field: str, blank: bool = True) -> validate.OneOf:
    """One of the field's codes. For a single answer "" is listed too: it means "not
    answered", like null (the schema turns it into null)."""
    codes = tuple(taxonomy.codes(taxonomy.FIELDS[field][0]))
    return validate.OneOf((*codes, "") if blank else codes, error="Choose one of the options listed.")


def _no_repeats(value: Sequence[str]) -> None:
    if len(set(value)) != len(value):
        raise ValidationError("Each option can be chosen once.")


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
MONTH_FORMAT_MESSAGE = "Give the month as YYYY-MM, for example 2026-03."


def _month_format(value: str) -> None:
    if not _MONTH.fullmatch(value):
        raise ValidationError(MONTH_FORMAT_MESSAGE)


def months_up_to(year: int, month: int) -> str:
    """A pattern for "" or a month YYYY-MM from 0000-01 up to and including year-month."""
    digits = f"{year:04d}"
    earlier = []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = 3 - i
            earlier.append(digits[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    if month <= 9:
        this_year = f"0[1-{month}]"
    else:
        this_year = "0[1-9]|1" + ("0" if month == 10 else f"[0-{month - 10}]")
    parts = [f"{digits}-(?:{this_year})"]
    if earlier:
        parts.insert(0, f"(?:{'|'.join(earlier)})-(?:0[1-9]|1[0-2])")
    return f"^(?:{'|'.join(parts)})?$"


def _this_month() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m")


def _months_so_far() -> str:
    now = dt.datetime.now(dt.UTC)
    return months_up_to(now.year, now.month)


CHOICE_FIELDS = ("experience", "setting", "staff_group", "internationally_recruited", "occurred_month",
                 "impact", "raised_formally", events.ORGANISATION)

ORGANISATION_MESSAGE = "Choose an organisation from the list, or \"Prefer not to say\"."
CONSENT_MESSAGE = "Choose yes or no."


class ReportInputSchema(Schema):
    """A new report. Only the account of what happened is required."""

    class Meta:
        unknown = RAISE

    account = fields.String(
        required=True,
        validate=validate.Length(max=ACCOUNT_MAX, error=f"Keep it to {ACCOUNT_MAX:,} characters or fewer."),
        error_messages={"required": "Tell us what happened.", "null": "Tell us what happened."},
        metadata={"minLength": 1, "pattern": SOME_TEXT},
    )
    what_would_help = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=HELP_MAX, error=f"Keep it to {HELP_MAX:,} characters or fewer."),
        metadata={"pattern": READABLE_TEXT},
    )
    experience = fields.String(load_default=None, allow_none=True, validate=_choice("experience"))
    characteristics = fields.List(
        fields.String(validate=_choice("characteristics", blank=False)),
        load_default=list,
        validate=[validate.Length(max=len(taxonomy.CHARACTERISTICS)), _no_repeats],
        metadata={"uniqueItems": True},
    )
    sources = fields.List(
        fields.String(validate=_choice("sources", blank=False)),
        load_default=list,
        validate=[validate.Length(max=len(taxonomy.SOURCES)), _no_repeats],
        metadata={"uniqueItems": True},
    )
    setting = fields.String(load_default=None, allow_none=True, validate=_choice("setting"))
    staff_group = fields.String(load_default=None, allow_none=True, validate=_choice("staff_group"))
    internationally_recruited = fields.String(
        load_default=None, allow_none=True, validate=_choice("internationally_recruited")
    )
    occurred_month = fields.String(
        load_default=None,
        allow_none=True,
        validate=_month_format,
        # The pattern is made when the app starts; a month that begins later is accepted
        # by the server before the document says so, never the other way round.
        metadata={"pattern": _months_so_far(), "description": "YYYY-MM, not in the future"},
    )
    impact = fields.String(load_default=None, allow_none=True, validate=_choice("impact"))
    raised_formally = fields.String(load_default=None, allow_none=True, validate=_choice("raised_formally"))
    # Not a taxonomy question: the choices are the operator's list, given to the schema when
    # it is made (and put in the OpenAPI document's enum by the app).
    organisation = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "A code from the configured list of organisations, or prefer_not_to_say."},
    )
    training_consent = events.StrictBoolean(
        load_default=False,
        error_messages={"invalid": CONSENT_MESSAGE},
        metadata={
            "description": "May an anonymised version be used as a training example? Only ever after "
            "a person has checked the redacted text; it can be withdrawn later with the receipt code."
        },
    )

    def __init__(self, *args: Any, organisation_codes: Iterable[str] | None = None, **kwargs: Any):
        """``organisation_codes``: the configured organisations (default: portal_common.organisations)."""
        super().__init__(*args, **kwargs)
        if organisation_codes is None:
            organisation_codes = (org.code for org in organisations.load())
        self.organisation_choices: tuple[str, ...] = (*organisation_codes, taxonomy.PREFER_NOT_TO_SAY)

    @pre_load
    def _strip(self, data, **_kw):
        if not isinstance(data, dict):
            raise ValidationError("Send a JSON object.", "_schema")
        cleaned = dict(data)
        for key in ("account", "what_would_help"):
            if isinstance(cleaned.get(key), str):
                cleaned[key] = _tidy(cleaned[key])
        if cleaned.get("what_would_help") == "":
            cleaned["what_would_help"] = None
        for key in CHOICE_FIELDS:
            if cleaned.get(key) == "":
                cleaned[key] = None
        return cleaned

    @validates("account")
    def _not_blank(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError("Tell us what happened.")
        _readable(value)

    @validates("what_would_help")
    def _help_readable(self, value: str | None, **_kw) -> None:
        if value is not None:
            _readable(value)

    @validates("organisation")
    def _known_organisation(self, value: str | None, **_kw) -> None:
        if value is not None and value not in self.organisation_choices:
            raise ValidationError(ORGANISATION_MESSAGE)

    @validates("occurred_month")
    def _not_future(self, value: str | None, **_kw) -> None:
        if value is not None and _MONTH.fullmatch(value) and value > _this_month():
            raise ValidationError("The month it happened cannot be in the future.")


DETAIL_FIELDS = events.DETAIL_FIELDS  # the answers other services receive


class ReportAcceptedSchema(Schema):
    """The answer to a new report: its id, state and receipt code, nothing it contained."""

    id = fields.String(metadata={"description": "The report's id."})
    status = fields.String(metadata={"description": "Always 'received' for a new report."})
    receipt_code = fields.String(
        metadata={"description": "Six words. Shown once: only a keyed hash of it is kept."}
    )


class ReceiptInputSchema(Schema):
    """A receipt code, as typed: case, spaces and hyphens between words do not matter."""

    class Meta:
        unknown = RAISE

    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Enter the 6 words of your receipt code."),
        error_messages={"required": "Enter your receipt code.", "null": "Enter your receipt code."},
        metadata={"description": "Six words; case, spaces and punctuation between them do not matter."},
    )


class FollowUpInputSchema(ReceiptInputSchema):
    """A note added to a report, with its receipt code."""

    note = fields.String(
        required=True,
        validate=validate.Length(max=NOTE_MAX, error=f"Keep it to {NOTE_MAX:,} characters or fewer."),
        error_messages={"required": "Write your note.", "null": "Write your note."},
        metadata={"minLength": 1, "pattern": SOME_TEXT},
    )

    @pre_load
    def _strip_note(self, data, **_kw):
        if not isinstance(data, dict):
            raise ValidationError("Send a JSON object.", "_schema")
        cleaned = dict(data)
        if isinstance(cleaned.get("note"), str):
            cleaned["note"] = _tidy(cleaned["note"])
        return cleaned

    @validates("note")
    def _note_text(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError("Write your note.")
        _readable(value)


class FollowUpOutSchema(Schema):
    redacted_text = fields.String()
    added_on = fields.Date()


class StageSchema(Schema):
    code = fields.String()
    label = fields.String()
    done = fields.Boolean(allow_none=True, metadata={"description": "null: not tracked yet"})


class ActionSchema(Schema):
    """A "you said, we did" action leads published that answers the report's themes or
    characteristics. Written by leads, in their own words."""

    id = fields.String()
    title = fields.String()
    you_said = fields.String(metadata={"description": "What staff raised, as leads summarised it"})
    we_did = fields.String(metadata={"description": "What was done about it"})
    themes = fields.List(fields.String())
    characteristics = fields.List(fields.String())
    organisation = fields.String(allow_none=True, metadata={"description": "null: every organisation"})
    organisation_name = fields.String(allow_none=True)
    published_week = fields.Date(metadata={"description": "The Monday of the week it was published"})


class ReceiptSchema(Schema):
    """What a receipt code shows: the redacted text and its tags, never the original."""

    status = fields.String(metadata={"description": "received or redacted"})
    training_consent = fields.String(
        metadata={"description": "yes: may be used as a training example once checked; no: will not be; "
                  "withdrawn: agreed, then withdrew, so it is not used and training deleted what it held"}
    )
    submitted_on = fields.String(metadata={"description": "The month it was sent, YYYY-MM"})
    redacted_text = fields.String(allow_none=True)
    redacted_help = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    stages = fields.List(fields.Nested(StageSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    follow_ups = fields.List(fields.Nested(FollowUpOutSchema))
    follow_up_accepted = fields.Boolean()


class FollowUpAcceptedSchema(Schema):
    redacted_text = fields.String()
    status = fields.String()


class FieldErrorsSchema(Schema):
    """Every refusal: messages by field ("_schema" for the body as a whole). A list field's
    messages are keyed by the position of the item at fault, from 0."""

    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
