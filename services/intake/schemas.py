"""What intake accepts from a reporter, and what it says back."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from portal_common import taxonomy

ACCOUNT_MAX = 5000
HELP_MAX = 1000


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
        if "\x00" in value:
            raise ValidationError("The text contains characters we cannot accept.")

    @validates("characteristics")
    def _no_repeats(self, value: list[str], **_kw) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each option can be chosen once.")


DETAIL_FIELDS = (
    "experience",
    "characteristics",
    "sources",
    "setting",
    "staff_group",
    "internationally_recruited",
    "occurred_month",
    "impact",
    "raised_formally",
)


class ReportAcceptedSchema(Schema):
    """The answer to a new report: its id and state, nothing it contained."""

    id = fields.String()
    status = fields.String()
