"""Training's pool of case candidates: one per redacted report whose reporter agreed, review
flags carried over; nothing kept of the others; a withdrawal deletes everything and sticks."""

from __future__ import annotations

import uuid

from portal_common.db import unit_of_work
from portal_common.events import make_event
from services.training import operations
from services.training.models import CANDIDATE, CaseCandidate, CaseFollowUp, ConsentWithdrawal

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


def _apply(sessions, handler, *events):
    for event in events:
        with unit_of_work(sessions) as session:
            handler(session, event)


def _report(report_id, consent=True):
    payload = {**EXAMPLES[("report.redacted", 1)], "report_id": report_id, "training_consent": consent}
    return make_event("report.redacted", payload, "redactor")


def _note(report_id, consent=True):
    payload = {**EXAMPLES[("report.followup_added", 1)], "followup_id": uuid.uuid4(), "report_id": report_id,
               "training_consent": consent}
    return make_event("report.followup_added", payload, "intake")


def _withdrawal(report_id):
    return make_event("report.training_consent_withdrawn", {"report_id": report_id}, "intake")


def _held(sessions):
    with unit_of_work(sessions) as session:
        return (
            sorted(c.report_id for c in session.query(CaseCandidate)),
            sorted(n.report_id for n in session.query(CaseFollowUp)),
        )


def test_only_reports_whose_reporter_agreed_are_kept_with_their_notes(sessions_for):
    sessions = sessions_for("training")
    agreed, declined = uuid.uuid4(), uuid.uuid4()
    _apply(sessions, operations.add_candidate, _report(agreed), _report(declined, consent=False))
    _apply(sessions, operations.add_follow_up, _note(agreed), _note(declined, consent=False))
    assert _held(sessions) == ([str(agreed)], [str(agreed)])


def test_a_report_from_before_the_question_is_not_kept(sessions_for):
    sessions = sessions_for("training")
    old = {k: v for k, v in EXAMPLES[("report.redacted", 1)].items() if k != "training_consent"}
    _apply(sessions, operations.add_candidate, make_event("report.redacted", old, "redactor"))
    assert _held(sessions) == ([], [])


def test_a_withdrawal_deletes_the_candidate_and_its_notes_once_and_for_good(sessions_for):
    sessions = sessions_for("training")
    mine, other = uuid.uuid4(), uuid.uuid4()
    report, note = _report(mine), _note(mine)
    _apply(sessions, operations.add_candidate, report, _report(other))
    _apply(sessions, operations.add_follow_up, note, _note(other))
    withdrawal = _withdrawal(mine)
    _apply(sessions, operations.withdraw_consent, withdrawal, withdrawal)  # delivered twice
    assert _held(sessions) == ([str(other)], [str(other)])
    # The report and its note come again (a re-send made before the withdrawal): not kept.
    _apply(sessions, operations.add_candidate, report)
    _apply(sessions, operations.add_follow_up, note, _note(mine))
    assert _held(sessions) == ([str(other)], [str(other)])
    with unit_of_work(sessions) as session:
        assert session.query(ConsentWithdrawal).count() == 1


def test_a_withdrawal_that_overtakes_its_report_still_keeps_it_out(sessions_for):
    sessions = sessions_for("training")
    late = uuid.uuid4()
    _apply(sessions, operations.withdraw_consent, _withdrawal(late))
    _apply(sessions, operations.add_candidate, _report(late))
    _apply(sessions, operations.add_follow_up, _note(late))
    assert _held(sessions) == ([], [])


def test_every_table_derived_from_a_report_is_cleared_by_a_withdrawal():
    """A new model holding report material must join DERIVED_FROM_REPORT, or withdrawals miss it."""
    from services.training import models

    holding = {
        mapper.class_
        for mapper in models.Base.registry.mappers
        if "report_id" in mapper.columns and mapper.class_ is not ConsentWithdrawal
    }
    assert holding == set(operations.DERIVED_FROM_REPORT)
