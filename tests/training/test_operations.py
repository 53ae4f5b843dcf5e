"""Training's pool of case candidates: one per redacted report, review flags carried over."""

from __future__ import annotations

import uuid

from portal_common.db import unit_of_work
from portal_common.events import make_event
from services.training import operations
from services.training.models import CANDIDATE, CaseCandidate, CaseFollowUp

from ..contract.test_events import EXAMPLES


def test_each_redacted_report_becomes_one_candidate_flagged_as_the_redactor_said(sessions_for):
    sessions = sessions_for("training")
    risky = {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4(),
             "risk": {"score": 0.8, "reasons": ["name-like word kept"], "needs_review": True}}
    calm = {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4()}
    events = [make_event("report.redacted", p, "redactor") for p in (risky, calm)]
    for event in events * 2:  # every event delivered twice
        with unit_of_work(sessions) as session:
            operations.add_candidate(session, event)
    with unit_of_work(sessions) as session:
        assert operations.candidate_count(session) == 2
        flagged = session.get(CaseCandidate, str(risky["report_id"]))
        assert flagged.needs_review and flagged.status == CANDIDATE
        assert flagged.redacted_text == risky["redacted_text"]
        assert not session.get(CaseCandidate, str(calm["report_id"])).needs_review


def test_a_follow_up_note_joins_its_report_once(sessions_for):
    sessions = sessions_for("training")
    payload = {**EXAMPLES[("report.followup_added", 1)], "followup_id": uuid.uuid4()}
    event = make_event("report.followup_added", payload, "intake")
    for _ in range(2):
        with unit_of_work(sessions) as session:
            operations.add_follow_up(session, event)
    with unit_of_work(sessions) as session:
        assert [n.report_id for n in session.query(CaseFollowUp)] == [str(payload["report_id"])]
