"""The event envelope and the payload schema of every (type, version).

Who publishes and who subscribes is not decided here: the registry one level up
(``portal_ops.registry``) says so, and hands each process a ``Routing``.

One envelope for every event::

    {"id": UUID, "type": "report.submitted", "version": 1,
     "occurred_at": "2026-11-21T10:00:00Z",   # truncated to the hour, never finer
     "producer": "intake", "payload": {...}}

Payload schemas reject unknown fields, so a producer cannot leak a new field by accident.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from . import taxonomy

# What a service's name looks like (the registry holds the names themselves).
SERVICE_NAME = r"^[a-z][a-z0-9_]{1,31}$"

# What an organisation's code looks like. The codes themselves are the operator's list
# (portal_common.organisations), checked by intake; events check only the form.
ORGANISATION_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
ORGANISATION = "organisation"  # the details key: a code, "prefer_not_to_say", or null
_ORGANISATION_CODE = re.compile(ORGANISATION_CODE.replace("$", r"\Z"))  # no final newline either


def is_organisation_code(value: str) -> bool:
    return _ORGANISATION_CODE.match(value) is not None


def _organisation_code(value: str) -> None:
    if not is_organisation_code(value):
        raise ValidationError("Not an organisation code.")

# A fixed namespace so that derived event ids are the same on every machine.
EVENT_NAMESPACE = uuid.UUID("6c1d7b8e-5d0a-4c55-9c39-2b1f0f6b9a41")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _detail_field(question: taxonomy.Question) -> fields.Field:
    if question.choices is None:
        return fields.String(
            validate=validate.Regexp(taxonomy.MONTH_PATTERN, error="Use the form YYYY-MM."), allow_none=True
        )
    one = fields.String(validate=validate.OneOf(taxonomy.codes(question.choices)))
    if question.multiple:
        return fields.List(one, load_default=list)
    return fields.String(validate=validate.OneOf(taxonomy.codes(question.choices)), allow_none=True)


# The structured answers: taxonomy codes only, never free text. Built from the taxonomy's
# questions, so a new question reaches every event without an edit here. The organisation
# is not a taxonomy question (its list is the operator's configuration): only its form is
# checked here, and it defaults to null so events sent before it existed still load.
ReportDetailsSchema: type[Schema] = _Strict.from_dict(
    {
        **{q.name: _detail_field(q) for q in taxonomy.QUESTIONS},
        ORGANISATION: fields.String(
            validate=_organisation_code,
            allow_none=True,
            load_default=None,
        ),
    },
    name="ReportDetailsSchema",
)

DETAIL_FIELDS: tuple[str, ...] = taxonomy.DETAIL_FIELDS


class StrictBoolean(fields.Boolean):
    """JSON true or false, nothing else: not "yes", not 1 (which Python counts equal to True)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _consent() -> fields.Boolean:
    """Did the reporter agree that an anonymised version may become a training example?

    Events from before the question existed carry no answer, which means no.
    """
    return StrictBoolean(load_default=False)


class ReportSubmittedV1(_Strict):
    report_id = fields.UUID(required=True)
    # Fernet token of a JSON object {"account": str, "what_would_help": str | null}.
    ciphertext = fields.String(required=True, validate=validate.Length(min=1))
    submitted_week = fields.Date(required=True)
    details = fields.Nested(ReportDetailsSchema, required=True)
    training_consent = _consent()


class RiskSchema(_Strict):
    score = fields.Float(required=True, validate=validate.Range(0, 1))
    reasons = fields.List(fields.String(), required=True)
    needs_review = fields.Boolean(required=True)


class ReportRedactedV1(_Strict):
    report_id = fields.UUID(required=True)
    redacted_text = fields.String(required=True)
    redacted_help = fields.String(allow_none=True, load_default=None)
    entity_counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    themes = fields.List(fields.String(validate=validate.OneOf(sorted(taxonomy.THEME_CODES))), required=True)
    risk = fields.Nested(RiskSchema, required=True)
    submitted_week = fields.Date(required=True)
    details = fields.Nested(ReportDetailsSchema, required=True)
    training_consent = _consent()  # passed through unchanged from report.submitted


# Events a consumer may confirm with report.stored (the registry says who confirms which).
CONFIRMABLE = ("report.redacted", "report.training_consent_withdrawn")


class ReportStoredV1(_Strict):
    """A consumer confirms it has applied an event about a report, so intake can stop
    re-sending it: `report.redacted` (the default: it holds the report, or, for training
    when the reporter did not agree, has kept nothing of it by design) or
    `report.training_consent_withdrawn` (it has deleted what it held for training)."""

    report_id = fields.UUID(required=True)
    consumer = fields.String(required=True, validate=validate.Regexp(SERVICE_NAME))
    event_type = fields.String(load_default="report.redacted", validate=validate.OneOf(CONFIRMABLE))


class ReportFollowupAddedV1(_Strict):
    """A note its reporter added later, with the receipt code. Already redacted: intake has
    the redactor redact it (request/response, encrypted both ways) before storing it, so
    no raw text of a note is ever stored or put in an event."""

    followup_id = fields.UUID(required=True)
    report_id = fields.UUID(required=True)
    redacted_text = fields.String(required=True, validate=validate.Length(min=1))
    entity_counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    themes = fields.List(fields.String(validate=validate.OneOf(sorted(taxonomy.THEME_CODES))), required=True)
    risk = fields.Nested(RiskSchema, required=True)
    added_week = fields.Date(required=True)
    # The report's consent when the note was added: training keeps the note only if true.
    training_consent = _consent()


class ReportTrainingConsentWithdrawnV1(_Strict):
    """Its reporter withdrew, with the receipt code, their agreement that the report may be
    used as a training example. Training deletes everything it holds from the report (the
    candidate, its notes, any case made from it) and keeps none of it again."""

    report_id = fields.UUID(required=True)


_CHARACTERISTIC_CODES = sorted(taxonomy.codes(taxonomy.CHARACTERISTICS))
ACTION_TITLE_MAX = 120
ACTION_TEXT_MAX = 1000


class ActionPublishedV1(_Strict):
    """A "you said, we did" action leads have published: what staff raised (in the leads' own
    words, never a report's text) and what was done, linked to themes and characteristics.
    `organisation` is null for an action that covers every organisation."""

    action_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=ACTION_TITLE_MAX))
    you_said = fields.String(required=True, validate=validate.Length(min=1, max=ACTION_TEXT_MAX))
    we_did = fields.String(required=True, validate=validate.Length(min=1, max=ACTION_TEXT_MAX))
    themes = fields.List(fields.String(validate=validate.OneOf(sorted(taxonomy.THEME_CODES))), required=True)
    characteristics = fields.List(fields.String(validate=validate.OneOf(_CHARACTERISTIC_CODES)), required=True)
    organisation = fields.String(required=True, allow_none=True, validate=_organisation_code)
    published_week = fields.Date(required=True)


class ActionWithdrawnV1(_Strict):
    """A published action is withdrawn: subscribers stop showing it."""

    action_id = fields.UUID(required=True)


class ReleasePublishedV1(_Strict):
    """A release of protected counts has become visible to leads (its publication date has
    come): the reports of that period are now part of a report to leads."""

    kind = fields.String(required=True, validate=validate.OneOf(("quarter", "rolling_year")))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends_on is before starts_on", "ends_on")


class CasePublishedV1(_Strict):
    """A case study made (with its reporter's agreement) from a report has been approved and
    published to training's case library. Names the report only, so intake can tell its
    reporter; the case itself never leaves training."""

    report_id = fields.UUID(required=True)
    published_week = fields.Date(required=True)


class CaseWithdrawnV1(_Strict):
    """A published case made from a report has left the library (its reporter withdrew their
    agreement, or training removed it): intake stops telling the reporter it is in use."""

    report_id = fields.UUID(required=True)


PAYLOAD_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    ("report.submitted", 1): ReportSubmittedV1,
    ("report.redacted", 1): ReportRedactedV1,
    ("report.stored", 1): ReportStoredV1,
    ("report.followup_added", 1): ReportFollowupAddedV1,
    ("report.training_consent_withdrawn", 1): ReportTrainingConsentWithdrawnV1,
    ("action.published", 1): ActionPublishedV1,
    ("action.withdrawn", 1): ActionWithdrawnV1,
    ("release.published", 1): ReleasePublishedV1,
    ("case.published", 1): CasePublishedV1,
    ("case.withdrawn", 1): CaseWithdrawnV1,
}


class EnvelopeSchema(_Strict):
    id = fields.UUID(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    producer = fields.String(required=True, validate=validate.Regexp(SERVICE_NAME))
    payload = fields.Dict(required=True)

    @validates_schema
    def _known_and_coarse(self, data: dict[str, Any], **_kw: Any) -> None:
        if (data["type"], data["version"]) not in PAYLOAD_SCHEMAS:
            raise ValidationError(f"unknown event {data['type']} v{data['version']}", "type")
        at = data["occurred_at"]
        if at.minute or at.second or at.microsecond:
            raise ValidationError("occurred_at must be truncated to the hour", "occurred_at")


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    payload: dict[str, Any]  # loaded (typed) payload

    def to_message(self) -> dict[str, Any]:
        """The JSON-safe form that travels on the queue."""
        schema = PAYLOAD_SCHEMAS[(self.type, self.version)]()
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "producer": self.producer,
            "payload": schema.dump(self.payload),
        }


def current_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def make_event(
    type_: str,
    payload: dict[str, Any],
    producer: str,
    *,
    version: int = 1,
    event_id: uuid.UUID | None = None,
) -> Event:
    """Build an event, validating the payload against its schema (dump then load)."""
    schema = PAYLOAD_SCHEMAS[(type_, version)]()
    loaded = schema.load(schema.dump(payload))
    return Event(
        id=event_id or uuid.uuid4(),
        type=type_,
        version=version,
        occurred_at=current_hour(),
        producer=producer,
        payload=loaded,
    )


def parse_message(message: dict[str, Any]) -> Event:
    """Validate a message from the queue; raises marshmallow.ValidationError if malformed."""
    if not isinstance(message, dict):
        raise ValidationError("event message must be an object")
    env = EnvelopeSchema().load(message)
    payload = PAYLOAD_SCHEMAS[(env["type"], env["version"])]().load(env["payload"])
    return Event(
        id=env["id"],
        type=env["type"],
        version=env["version"],
        occurred_at=env["occurred_at"],
        producer=env["producer"],
        payload=payload,
    )


def derived_id(kind: str, key: str) -> uuid.UUID:
    """A deterministic event id, so a re-run of the same work produces the same event."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{kind}:{key}")
