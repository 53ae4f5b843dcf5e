"""Every event type and version round-trips its schema; malformed envelopes are refused."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from marshmallow import ValidationError

from portal_common.events import PAYLOAD_SCHEMAS, derived_id, make_event, parse_message
from portal_ops import registry

DETAILS = {
    "experience": "witnessed",
    "characteristics": ["race", "religion_belief"],
    "sources": ["patient"],
    "setting": "acute",
    "staff_group": "nursing_midwifery",
    "internationally_recruited": "yes",
    "occurred_month": "2026-03",
    "impact": "3",
    "raised_formally": "no",
    "organisation": "DEMO2",
}

EXAMPLES = {
    ("report.submitted", 1): {
        "report_id": uuid.uuid4(),
        "ciphertext": "gAAAAAB-not-checked-here",
        "submitted_week": dt.date(2026, 11, 16),
        "details": DETAILS,
        "training_consent": True,
    },
    ("report.redacted", 1): {
        "report_id": uuid.uuid4(),
        "redacted_text": "[PERSON 1] asked where I was really from.",
        "redacted_help": None,
        "entity_counts": {"PERSON": 1},
        "themes": ["where_from"],
        "risk": {"score": 0.1, "reasons": [], "needs_review": False},
        "submitted_week": dt.date(2026, 11, 16),
        "details": DETAILS,
        "training_consent": True,
    },
    ("report.stored", 1): {"report_id": uuid.uuid4(), "consumer": "analytics", "event_type": "report.redacted"},
    ("report.followup_added", 1): {
        "followup_id": uuid.uuid4(),
        "report_id": uuid.uuid4(),
        "redacted_text": "It happened again last week and [PERSON 1] laughed.",
        "entity_counts": {"PERSON": 1},
        "themes": ["jokes_banter"],
        "risk": {"score": 0.0, "reasons": [], "needs_review": False},
        "added_week": dt.date(2026, 11, 16),
        "training_consent": True,
    },
    ("report.training_consent_withdrawn", 1): {"report_id": uuid.uuid4()},
    ("action.published", 1): {
        "action_id": uuid.uuid4(),
        "title": "Names in the rota system",
        "you_said": "Colleagues' names were shortened or replaced because the rota system could not hold them.",
        "we_did": "The rota system now takes full names, with a field for how to say them.",
        "themes": ["names"],
        "characteristics": ["race"],
        "organisation": "DEMO1",
        "published_week": dt.date(2026, 11, 16),
    },
    ("action.withdrawn", 1): {"action_id": uuid.uuid4()},
    ("release.published", 1): {
        "kind": "quarter",
        "starts_on": dt.date(2026, 7, 1),
        "ends_on": dt.date(2026, 9, 30),
    },
    ("case.published", 1): {"report_id": uuid.uuid4(), "published_week": dt.date(2026, 11, 16)},
    ("case.withdrawn", 1): {"report_id": uuid.uuid4()},
}


def test_every_schema_has_an_example_a_producer_and_subscribers():
    assert set(EXAMPLES) == set(PAYLOAD_SCHEMAS)
    published = {event for svc in registry.SERVICES for event in svc.publishes}
    for event_type, _version in PAYLOAD_SCHEMAS:
        assert registry.routing().subscribers_of(event_type), f"{event_type} has no subscriber"
        assert event_type in published, f"{event_type} has no producer"


@pytest.mark.parametrize("key", sorted(PAYLOAD_SCHEMAS))
def test_round_trip_through_json(key):
    event_type, version = key
    event = make_event(event_type, EXAMPLES[key], "intake", version=version)
    wire = json.loads(json.dumps(event.to_message()))
    back = parse_message(wire)
    assert back.id == event.id
    assert back.type == event_type and back.version == version
    assert back.payload == event.payload
    assert back.occurred_at == event.occurred_at
    assert (back.occurred_at.minute, back.occurred_at.second) == (0, 0)


def _message(**overrides):
    event = make_event("report.stored", EXAMPLES[("report.stored", 1)], "analytics")
    message = event.to_message()
    message.update(overrides)
    return message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_at": "2026-11-21T10:17:00Z"}, "occurred_at"),
        ({"type": "report.unknown"}, "type"),
        ({"version": 99}, "type"),
        ({"producer": "Somebody Else"}, "producer"),
        ({"client_ip": "10.1.2.3"}, "client_ip"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_bad_envelopes_are_refused(overrides, field):
    with pytest.raises(ValidationError) as err:
        parse_message(_message(**overrides))
    assert field in err.value.messages


def test_payloads_refuse_unknown_fields():
    message = _message()
    message["payload"]["user_agent"] = "Mozilla/5.0"
    with pytest.raises(ValidationError) as err:
        parse_message(message)
    assert "user_agent" in err.value.messages


def test_payload_choices_come_from_the_taxonomy():
    bad = dict(EXAMPLES[("report.submitted", 1)], details={**DETAILS, "setting": "moon base"})
    with pytest.raises(ValidationError):
        make_event("report.submitted", bad, "intake")


def test_derived_ids_are_stable_and_distinct():
    assert derived_id("report.redacted", "a") == derived_id("report.redacted", "a")
    assert derived_id("report.redacted", "a") != derived_id("report.redacted", "b")
    assert derived_id("report.redacted", "a") != derived_id("report.stored", "a")


def test_an_action_for_every_organisation_has_a_null_organisation():
    payload = {**EXAMPLES[("action.published", 1)], "organisation": None}
    wire = json.loads(json.dumps(make_event("action.published", payload, "analytics").to_message()))
    assert wire["payload"]["organisation"] is None
    assert parse_message(wire).payload["organisation"] is None


@pytest.mark.parametrize(
    ("event_type", "changes", "field"),
    [
        ("action.published", {"themes": ["not_a_theme"]}, "themes"),
        ("action.published", {"characteristics": ["favourite_colour"]}, "characteristics"),
        ("action.published", {"title": ""}, "title"),
        ("action.published", {"we_did": "x" * 1001}, "we_did"),
        ("action.published", {"organisation": "no spaces allowed"}, "organisation"),
        ("release.published", {"kind": "fortnight"}, "kind"),
        ("release.published", {"ends_on": dt.date(2026, 6, 30)}, "ends_on"),
    ],
)
def test_action_and_release_payloads_are_checked(event_type, changes, field):
    with pytest.raises(ValidationError) as err:
        make_event(event_type, {**EXAMPLES[(event_type, 1)], **changes}, "analytics")
    assert field in err.value.messages


def test_a_published_action_carries_no_report_fields():
    message = make_event("action.published", EXAMPLES[("action.published", 1)], "analytics").to_message()
    message["payload"]["report_id"] = str(uuid.uuid4())
    with pytest.raises(ValidationError) as err:
        parse_message(message)
    assert "report_id" in err.value.messages


REMOVED = object()


def _wire(key, **changes):
    """An example as it travels on the queue, with payload fields changed (or REMOVED)."""
    message = make_event(key[0], EXAMPLES[key], "intake", version=key[1]).to_message()
    for name, value in changes.items():
        if value is REMOVED:
            message["payload"].pop(name)
        else:
            message["payload"][name] = value
    return message


@pytest.mark.parametrize("key", [("report.submitted", 1), ("report.redacted", 1), ("report.followup_added", 1)])
def test_events_sent_before_the_new_questions_still_load_as_no_consent(key):
    message = _wire(key, training_consent=REMOVED)
    if "details" in message["payload"]:
        del message["payload"]["details"]["organisation"]
    payload = parse_message(message).payload
    assert payload["training_consent"] is False
    if "details" in payload:
        assert payload["details"]["organisation"] is None


def test_a_confirmation_from_before_it_named_its_event_confirms_a_redaction():
    message = _wire(("report.stored", 1), event_type=REMOVED)
    assert parse_message(message).payload["event_type"] == "report.redacted"


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, None, "no"])
def test_training_consent_is_a_json_boolean_and_nothing_else(value):
    with pytest.raises(ValidationError) as err:
        parse_message(_wire(("report.redacted", 1), training_consent=value))
    assert "training_consent" in err.value.messages


@pytest.mark.parametrize("code", ["DEMO2", "RX1", "prefer_not_to_say", "a-b_c", "Z" * 32])
def test_organisation_codes_of_the_right_form_are_carried(code):
    message = _wire(("report.submitted", 1))
    message["payload"]["details"]["organisation"] = code
    assert parse_message(message).payload["details"]["organisation"] == code


@pytest.mark.parametrize("code", ["", "-DEMO", "DEMO 2", "DEMO2\n", "Z" * 33, "Northfield Hospitals NHS Trust"])
def test_anything_else_in_the_organisation_is_refused(code):
    message = _wire(("report.submitted", 1))
    message["payload"]["details"]["organisation"] = code
    with pytest.raises(ValidationError) as err:
        parse_message(message)
    assert "organisation" in err.value.messages["details"]
