"""What intake accepts from a reporter, and what it says back."""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from portal_common import events, taxonomy

ACCOUNT_MAX = 5000
HELP_MAX = 1000
NOTE_MAX = 2000


def _readable(value: str) -> None:
    """Reject text that did not arrive as clean UTF-8 (replacement or control characters)."""
    if "\ufffd" in value or any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValidationError(
            "Some characters could not be read. Please retype the text without special symbols."
        )


def _choice(field: str) -> validate.OneOf:
    return validate.OneOf(
        taxonomy.codes(taxonomy.FIELDS[field][0]), error="Choose one of the options listed."
    )


class ReportInputSchema(Schema):
    """A new report. Only the account of what happened is required."""

    class Meta:
        unknown = RAISE

    account = fields.String(
        required=True,
        validate=validate.Length(max=ACCOUNT_MAX, error=f"Keep it to {ACCOUNT_MAX:,} characters or fewer."),
        error_messages={"required": "Tell us what happened.", "null": "Tell us what happened."},
    )
    what_would_help = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=HELP_MAX, error=f"Keep it to {HELP_MAX:,} characters or fewer."),
    )
    experience = fields.String(load_default=None, allow_none=True, validate=_choice("experience"))
    characteristics = fields.List(
        fields.String(validate=_choice("characteristics")),
        load_default=list,
        validate=validate.Length(max=len(taxonomy.CHARACTERISTICS)),
    )
    sources = fields.List(
        fields.String(validate=_choice("sources")),
        load_default=list,
        validate=validate.Length(max=len(taxonomy.SOURCES)),
    )
    setting = fields.String(load_default=None, allow_none=True, validate=_choice("setting"))
    staff_group = fields.String(load_default=None, allow_none=True, validate=_choice("staff_group"))
    internationally_recruited = fields.String(
        load_default=None, allow_none=True, validate=_choice("internationally_recruited")
    )
    occurred_month = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Give the month as YYYY-MM, for example 2026-03."),
    )
    impact = fields.String(load_default=None, allow_none=True, validate=_choice("impact"))
    raised_formally = fields.String(load_default=None, allow_none=True, validate=_choice("raised_formally"))

    @pre_load
    def _strip(self, data, **_kw):
        if not isinstance(data, dict):
            raise ValidationError("Send a JSON object.", "_schema")
        cleaned = dict(data)
        for key in ("account", "what_would_help"):
            if isinstance(cleaned.get(key), str):
                cleaned[key] = cleaned[key].replace("\r\n", "\n").strip()
        if cleaned.get("what_would_help") == "":
            cleaned["what_would_help"] = None
        for key in ("experience", "setting", "staff_group", "internationally_recruited",
                    "occurred_month", "impact", "raised_formally"):
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

    @validates("occurred_month")
    def _not_future(self, value: str | None, **_kw) -> None:
        if value is not None and value > dt.datetime.now(dt.UTC).strftime("%Y-%m"):
            raise ValidationError("The month it happened cannot be in the future.")

    @validates("characteristics")
    def _no_repeats(self, value: list[str], **_kw) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each option can be chosen once.")


DETAIL_FIELDS = events.DETAIL_FIELDS  # the answers other services receive


class ReportAcceptedSchema(Schema):
    """The answer to a new report: its id, state and receipt code, nothing it contained."""

    id = fields.String(metadata={"description": "The report's id."})
    status = fields.String(metadata={"description": "Always 'received' for a new report."})
    receipt_code = fields.String(
        metadata={"description": "Six words. Shown once: only a slow keyed hash of it is kept."}
    )


class ReceiptInputSchema(Schema):
    """A receipt code, as typed: case, spaces and hyphens between words do not matter."""

    class Meta:
        unknown = RAISE

    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Enter the 6 words of your receipt code."),
        error_messages={"required": "Enter your receipt code.", "null": "Enter your receipt code."},
    )


class FollowUpInputSchema(ReceiptInputSchema):
    """A note added to a report, with its receipt code."""

    note = fields.String(
        required=True,
        validate=validate.Length(max=NOTE_MAX, error=f"Keep it to {NOTE_MAX:,} characters or fewer."),
        error_messages={"required": "Write your note.", "null": "Write your note."},
    )

    @pre_load
    def _strip_note(self, data, **_kw):
        if not isinstance(data, dict):
            raise ValidationError("Send a JSON object.", "_schema")
        cleaned = dict(data)
        if isinstance(cleaned.get("note"), str):
            cleaned["note"] = cleaned["note"].replace("\r\n", "\n").strip()
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
    theme = fields.String()
    title = fields.String()
    description = fields.String()


class ReceiptSchema(Schema):
    """What a receipt code shows: the redacted text and its tags, never the original."""

    status = fields.String(metadata={"description": "received or redacted"})
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
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
