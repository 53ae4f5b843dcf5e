"""Analytics takes in what the redactor sends: the coded answers, once, whatever the backend."""

from __future__ import annotations

import datetime as dt
import uuid

from portal_common import taxonomy
from portal_common.db import unit_of_work
from portal_common.events import make_event
from services.analytics import operations
from services.analytics.models import FollowUp, Report

from ..contract.test_events import EXAMPLES


def _redacted(**details):
    payload = {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4()}
    payload["details"] = {**payload["details"], **details}
    return make_event("report.redacted", payload, "redactor")


def test_a_redacted_report_is_stored_once_with_every_answer(sessions_for):
    sessions = sessions_for("analytics")
    event = _redacted(characteristics=["race", "religion_belief"], setting="community", occurred_month="2026-05")
    for _ in range(2):  # a second delivery changes nothing
        with unit_of_work(sessions) as session:
            operations.store_redacted(session, event)
    with unit_of_work(sessions) as session:
        assert operations.report_count(session) == 1
        row = session.get(Report, str(event.payload["report_id"]))
        details = event.payload["details"]
        for question in taxonomy.QUESTIONS:
            empty = [] if question.multiple else None
            assert getattr(row, question.name) == details.get(question.name, empty), question.name
        assert row.submitted_week == event.payload["submitted_week"]
        assert row.submitted_week.weekday() == 0  # a Monday: the finest time analytics learns


def test_a_follow_up_note_is_kept_once(sessions_for):
    sessions = sessions_for("analytics")
    payload = {**EXAMPLES[("report.followup_added", 1)], "followup_id": uuid.uuid4()}
    event = make_event("report.followup_added", payload, "intake")
    for _ in range(2):
        with unit_of_work(sessions) as session:
            operations.store_follow_up(session, event)
    with unit_of_work(sessions) as session:
        notes = session.query(FollowUp).all()
        assert len(notes) == 1
        assert notes[0].added_week == dt.date(2026, 11, 16)
