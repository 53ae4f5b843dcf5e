"""What a lead may type into a "you said, we did" action, checked before anything is stored."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from portal_common import taxonomy
from portal_common.events import ACTION_TEXT_MAX, ACTION_TITLE_MAX

# Characteristics an action can answer: every one a reporter can choose, except "prefer not to say".
CHARACTERISTICS = tuple(c for c in taxonomy.CHARACTERISTICS if c.code != taxonomy.PREFER_NOT_TO_SAY)
THEMES = taxonomy.THEMES

_UNREADABLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\ufffd\ud800-\udfff]")
UNREADABLE = "Some characters could not be read. Retype the text without special symbols"
NO_LINK = "Choose at least one theme or characteristic this action responds to"


def _tidy(value: Any) -> Any:
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _text(required: str, longest: int, what: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(max=longest, error=f"{what} must be {longest:,} characters or fewer"),
        error_messages={"required": required, "null": required, "invalid": required},
    )


def _codes(choices: tuple[taxonomy.Choice, ...]) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(taxonomy.codes(choices), error="Choose from the options listed")),
        load_default=list,
    )


class ActionInputSchema(Schema):
    """A draft action as a lead writes it. ``organisation`` is "" or None for every organisation;
    whether this lead may choose it is the operation's business (it knows who is asking)."""

    class Meta:
        unknown = RAISE

    title = _text("Enter a title", ACTION_TITLE_MAX, "The title")
    you_said = _text("Enter what staff told you", ACTION_TEXT_MAX, "What staff told you")
    we_did = _text("Enter what was done", ACTION_TEXT_MAX, "What was done")
    themes = _codes(THEMES)
    characteristics = _codes(CHARACTERISTICS)
    organisation = fields.String(load_default=None, allow_none=True)

    @pre_load
    def _clean(self, data: Any, **_kw: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("Send the form's fields.", "_schema")
        cleaned = {key: _tidy(value) for key, value in data.items()}
        for key in ("themes", "characteristics"):
            if isinstance(cleaned.get(key), list) and all(isinstance(v, str) for v in cleaned[key]):
                cleaned[key] = sorted(set(cleaned[key]))
        if cleaned.get("organisation") == "":
            cleaned["organisation"] = None
        return cleaned

    @validates("title", "you_said", "we_did")
    def _readable(self, value: str, data_key: str, **_kw: Any) -> None:
        if not value:
            raise ValidationError(
                {"title": "Enter a title", "you_said": "Enter what staff told you", "we_did": "Enter what was done"}[
                    data_key
                ]
            )
        if _UNREADABLE.search(value):
            raise ValidationError(UNREADABLE)
        if data_key == "title" and "\n" in value:
            raise ValidationError("The title must be on one line")

    @validates_schema(skip_on_field_errors=False)
    def _linked(self, data: dict[str, Any], **_kw: Any) -> None:
        if not data.get("themes") and not data.get("characteristics"):
            raise ValidationError(NO_LINK, "themes")
