"""Intake's user actions called directly: shared by the web and the API, and never holding a
database transaction while they wait (on the redactor, or on the look-up floor)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from portal_common.db import unit_of_work
from services.intake import preview
from services.intake.models import FollowUp, Submission
from services.intake.operations import add_note, check_report, look_up_receipt, receipt, send_report
from services.intake.operations.outcomes import (
    AlreadySent,
    Invalid,
    InvalidNote,
    NoteLimitReached,
    NotFound,
)
from services.intake.operations.records import FOLLOW_UPS_MAX
from services.intake.preview import Preview

from .conftest import fake_redact


@pytest.fixture
def ctx(intake_app):
    return intake_app.extensions["intake"]


@pytest.fixture
def pool(intake_app):
    return intake_app.extensions["portal"]["engine"].pool


def _notes(ctx) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalar(select(func.count()).select_from(FollowUp))


def test_sending_twice_from_one_draft_stores_once(ctx):
    first = send_report(ctx, {"account": "It happened at handover."}, draft_nonce="n-1")
    assert first.receipt_code.count("-") == 5
    with pytest.raises(AlreadySent):
        send_report(ctx, {"account": "It happened at handover."}, draft_nonce="n-1")
    with unit_of_work(ctx.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_invalid_answers_are_refused_before_anything_else(ctx, monkeypatch):
    monkeypatch.setattr(preview, "request_preview", lambda *a, **k: pytest.fail("no preview for bad input"))
    with pytest.raises(Invalid) as err:
        check_report(ctx, {"account": " "})
    assert err.value.messages == {"account": ["Tell us what happened."]}
    with pytest.raises(Invalid):
        look_up_receipt(ctx, {})


def test_no_connection_is_held_while_the_redactor_redacts_a_note(ctx, pool, monkeypatch):
    code = send_report(ctx, {"account": "It happened again."}).receipt_code
    held = []

    def _preview(_publisher, _cipher, account, what_would_help, timeout=8.0):
        held.append(pool.checkedout())
        return Preview(fake_redact(account), None)

    monkeypatch.setattr(preview, "request_preview", _preview)
    check_report(ctx, {"account": "Alice laughed."})
    added = add_note(ctx, {"code": code, "note": "Alice laughed again."})
    assert added.redacted_text == "[PERSON] laughed again."
    assert [n["redacted_text"] for n in added.receipt["follow_ups"]] == ["[PERSON] laughed again."]
    assert held == [0, 0]


def test_no_connection_is_held_while_a_look_up_waits_for_its_floor(ctx, pool, monkeypatch):
    code = send_report(ctx, {"account": "It happened again."}).receipt_code
    held = []
    monkeypatch.setattr(receipt, "pad_to_floor", lambda _started: held.append(pool.checkedout()))
    assert look_up_receipt(ctx, {"code": code})["status"] == "received"
    with pytest.raises(NotFound):
        look_up_receipt(ctx, {"code": "apple " * 6})
    assert held == [0, 0]


def test_a_note_is_checked_again_after_redaction(ctx, monkeypatch):
    """The report can go away, or fill up, while the redactor works: nothing half-stored."""
    code = send_report(ctx, {"account": "It happened again."}).receipt_code

    def _fill_up(_publisher, _cipher, account, what_would_help, timeout=8.0):
        while _notes(ctx) < FOLLOW_UPS_MAX:
            with unit_of_work(ctx.sessions) as session:
                from services.intake.operations import records

                records.add_follow_up(session, session.scalars(select(Submission)).one(), {"redacted_text": "n"})
        return Preview(fake_redact(account), None)

    monkeypatch.setattr(preview, "request_preview", _fill_up)
    with pytest.raises(NoteLimitReached) as err:
        add_note(ctx, {"code": code, "note": "One more."})
    assert err.value.receipt["follow_up_accepted"] is False
    assert _notes(ctx) == FOLLOW_UPS_MAX

    def _delete(_publisher, _cipher, account, what_would_help, timeout=8.0):
        with unit_of_work(ctx.sessions) as session:
            session.execute(delete(FollowUp))
            session.execute(delete(Submission))
        return Preview(fake_redact(account), None)

    monkeypatch.setattr(preview, "request_preview", _delete)
    with pytest.raises(NotFound):
        add_note(ctx, {"code": code, "note": "One more."})
    assert _notes(ctx) == 0


def test_a_blank_note_is_refused_with_what_the_code_shows(ctx, fake_preview):
    code = send_report(ctx, {"account": "It happened again."}).receipt_code
    with pytest.raises(InvalidNote) as err:
        add_note(ctx, {"code": code, "note": "  "})
    assert err.value.messages == {"note": ["Write your note."]}
    assert err.value.receipt["status"] == "received"
    assert fake_preview == []
