"""The case pipeline's rules: masking only removes, flagged candidates come first, nobody
approves their own case study, publication and withdrawal go through the outbox, and what
nobody published in time is deleted (and audited) while published cases stay."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from alembic import command
from sqlalchemy import inspect, select

from portal_common.db import make_engine, unit_of_work
from portal_common.events import make_event, parse_message
from portal_ops.migrate import alembic_config
from services.training import cases, operations
from services.training.audit import SYSTEM_ACTOR
from services.training.models import (
    CANDIDATE,
    CASE_PUBLISHED,
    CASE_SUBMITTED,
    CLEARED,
    DRAFTED,
    AuditEntry,
    CaseCandidate,
    CaseFollowUp,
    CaseStudy,
    Outbox,
)

from ..contract.test_events import EXAMPLES

TEXT = "On the night shift Sister Okafor on Ward 7B told me, 'go back to your own ward', and laughed."
TODAY = dt.date(2026, 11, 18)


# -- masking -------------------------------------------------------------------------------------


def test_a_chosen_word_is_masked_without_its_punctuation_and_neighbours_join_one_placeholder():
    words = [t.text for t in cases.tokens(TEXT)]
    okafor, ward, seven_b = words.index("Okafor"), words.index("Ward"), words.index("7B")
    text, added = cases.mask(TEXT, {okafor, ward, seven_b}, [])
    assert text == ("On the night shift Sister [REDACTED] on [REDACTED] told me, 'go back to your own ward', "
                    "and laughed.")
    assert added == 2


def test_a_typed_phrase_is_masked_everywhere_whatever_its_capitals():
    text, added = cases.mask(TEXT + " WARD 7b again.", [], ["ward 7B"])
    assert "7B" not in text and "7b" not in text and text.count("[REDACTED]") == 2 and added == 2


def test_placeholders_already_there_are_not_offered_and_not_matched():
    redacted = "Then [PERSON 1] said it to [PERSON 2] at [WORKPLACE]."
    offered = [t for t in cases.tokens(redacted) if not t.maskable]
    assert [t.text for t in offered] == ["[PERSON 1]", "[PERSON 2]", "[WORKPLACE]"]
    with pytest.raises(cases.MaskProblem, match="Phrase 1 is not in the text"):
        cases.mask(redacted, [], ["PERSON"])
    with pytest.raises(cases.MaskProblem):
        cases.mask(redacted, [offered[0].index], [])
    with pytest.raises(cases.MaskProblem, match="Select at least one"):
        cases.mask(redacted, [], ["   "])
    with pytest.raises(cases.MaskProblem):
        cases.mask(redacted, [999], [])


@pytest.mark.parametrize("chosen", [{0}, {3, 4, 5}, {1, 9, 10, 16}, set(range(18))])
def test_masking_only_ever_removes_information(chosen):
    """Every part of the result is either the original text, in order, or a placeholder."""
    text, added = cases.mask(TEXT, chosen, ["laughed"])
    pieces = [p for p in text.split(cases.MASK)]
    position = 0
    for piece in pieces:
        found = TEXT.find(piece, position)
        assert found >= 0, piece
        position = found + len(piece)
    # Each placeholder stands for at least one character that is gone.
    assert text.count(cases.MASK) == added and len(text.replace(cases.MASK, "")) <= len(TEXT) - added


# -- the pool, the queue, approval ---------------------------------------------------------------


def _candidate(session, *, needs_review=False, risk=0.1, received_on=TODAY, status=CANDIDATE, text=TEXT):
    candidate = CaseCandidate(report_id=str(uuid.uuid4()), redacted_text=text, themes=["accent_language"],
                              characteristics=[], setting="acute", risk_score=risk, needs_review=needs_review,
                              status=status, ref=cases.new_ref(), received_on=cases.week_of(received_on))
    session.add(candidate)
    session.flush()
    return candidate


def test_a_redacted_report_joins_the_pool_with_a_random_reference_and_the_monday_of_its_week(sessions_for):
    sessions = sessions_for("training")
    payload = {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4(), "training_consent": True}
    with unit_of_work(sessions) as session:
        operations.add_candidate(session, make_event("report.redacted", payload, "redactor"))
    with unit_of_work(sessions) as session:
        candidate = session.get(CaseCandidate, str(payload["report_id"]))
        assert re.fullmatch(r"[0-9a-f]{8}", candidate.ref) and candidate.ref not in str(payload["report_id"])
        assert candidate.received_on.weekday() == 0 and candidate.status == CANDIDATE


def test_the_review_queue_puts_flagged_and_risky_candidates_first(sessions_for):
    sessions = sessions_for("training")
    with unit_of_work(sessions) as session:
        calm = _candidate(session, risk=0.1, received_on=TODAY - dt.timedelta(days=30))
        risky = _candidate(session, risk=0.6)
        marked = _candidate(session, needs_review=True, risk=0.9)
        _candidate(session, status=CLEARED)
        queue = [c.ref for c in cases.review_queue(session)]
        assert queue == [marked.ref, risky.ref, calm.ref]
        assert cases.flagged(risky) and not cases.flagged(calm)


def _case(session, author="author-key", clean=True):
    candidate = _candidate(session, status=CLEARED)
    form = cases.CaseForm("Accent at handover", "A nurse's accent was mocked at handover.", ("accent_language",),
                          ("delay", "direct"), cases.CHECKLIST_CODES)
    case = cases.start_case(session, candidate, author, form, "tam@example.nhs.uk", TODAY)
    if clean:
        cases.record_check(case, case.text, case.text, {})
    return candidate, case


def test_a_case_study_is_submitted_only_once_the_redactor_found_nothing_in_its_exact_text(sessions_for):
    sessions = sessions_for("training")
    with unit_of_work(sessions) as session:
        candidate, case = _case(session, clean=False)
        assert candidate.status == DRAFTED
        with pytest.raises(cases.ApprovalProblem, match="redactor must check"):
            cases.submit(session, case, "tam@example.nhs.uk")
        # The redactor found a name: nothing is submitted until its version is taken (or the text edited).
        cases.record_check(case, case.text, "A nurse's accent was mocked at [WORKPLACE].", {"WORKPLACE": 1})
        with pytest.raises(cases.ApprovalProblem):
            cases.submit(session, case, "tam@example.nhs.uk")
        cases.use_redacted(session, case, "tam@example.nhs.uk")
        assert case.text == "A nurse's accent was mocked at [WORKPLACE]." and not case.checked
        cases.record_check(case, case.text, case.text, {})
        assert case.checked_clean
        # An answer for an older text does not count for the new one.
        edited = cases.CaseForm(case.title, case.text + " Again.", tuple(case.themes), tuple(case.suggested_ds),
                                tuple(case.checklist))
        cases.edit_case(session, case, edited, "tam@example.nhs.uk")
        cases.record_check(case, "something older", "something older", {})
        assert not case.checked_clean
        cases.record_check(case, case.text, case.text, {})
        # Every checklist item is needed.
        case.checklist = list(cases.CHECKLIST_CODES[:-1])
        with pytest.raises(cases.ApprovalProblem, match="Tick every item"):
            cases.submit(session, case, "tam@example.nhs.uk")
        case.checklist = list(cases.CHECKLIST_CODES)
        cases.submit(session, case, "tam@example.nhs.uk")
        assert case.status == CASE_SUBMITTED


def test_nobody_approves_their_own_case_and_approval_publishes_it_through_the_outbox(sessions_for):
    sessions = sessions_for("training")
    with unit_of_work(sessions) as session:
        _candidate_row, case = _case(session, author="tam")
        cases.submit(session, case, "tam@example.nhs.uk")
        with pytest.raises(cases.ApprovalProblem, match="someone else must approve"):
            cases.approve(session, case, "tam", "tam@example.nhs.uk", TODAY)
        assert session.scalars(select(Outbox)).all() == []
        cases.approve(session, case, "lee", "lee@example.nhs.uk", TODAY)
        assert case.status == CASE_PUBLISHED and case.published_on == TODAY
        [row] = session.scalars(select(Outbox)).all()
        event = parse_message(row.message)
        assert event.type == "case.published" and str(event.payload["report_id"]) == case.report_id
        assert event.payload["published_week"] == dt.date(2026, 11, 16)
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["case.drafted", "case.submitted", "case.approved", "case.published"]


def test_withdrawn_consent_takes_a_published_case_out_and_tells_intake(sessions_for):
    sessions = sessions_for("training")
    with unit_of_work(sessions) as session:
        _row, case = _case(session, author="tam")
        cases.submit(session, case, "tam@example.nhs.uk")
        cases.approve(session, case, "lee", "lee@example.nhs.uk", TODAY)
        report_id = case.report_id
        session.add(CaseFollowUp(id=str(uuid.uuid4()), report_id=report_id, redacted_text="Again.", themes=[],
                                 needs_review=False))
    withdrawal = make_event("report.training_consent_withdrawn", {"report_id": report_id}, "intake")
    for _ in range(2):  # delivered twice: announced once
        with unit_of_work(sessions) as session:
            operations.withdraw_consent(session, withdrawal)
    with unit_of_work(sessions) as session:
        assert session.scalars(select(CaseStudy)).all() == []
        assert session.get(CaseCandidate, report_id) is None
        types = [r.event_type for r in session.scalars(select(Outbox).order_by(Outbox.seq))]
        assert types == ["case.published", "case.withdrawn"]
        entries = {e.action: e for e in session.scalars(select(AuditEntry))}
        assert entries["case.withdrawn"].actor == SYSTEM_ACTOR
        assert entries["consent.withdrawn"].detail.startswith("3 items deleted")


def test_what_nobody_published_in_time_is_deleted_and_published_cases_stay(sessions_for):
    sessions = sessions_for("training")
    old = TODAY - dt.timedelta(days=200)
    with unit_of_work(sessions) as session:
        stale = _candidate(session, received_on=old)
        fresh = _candidate(session, received_on=TODAY - dt.timedelta(days=20))
        session.add(CaseFollowUp(id=str(uuid.uuid4()), report_id=stale.report_id, redacted_text="More.",
                                 themes=[], needs_review=False))
        _drafted, draft = _case(session)
        draft.received_on = cases.week_of(old)
        _published_from, published = _case(session, author="tam")
        cases.submit(session, published, "tam@example.nhs.uk")
        cases.approve(session, published, "lee", "lee@example.nhs.uk", TODAY)
        published.received_on = cases.week_of(old)
        _published_from.received_on = cases.week_of(old)
        ids = (stale.report_id, fresh.report_id, draft.id, published.id)
    with unit_of_work(sessions) as session:
        assert cases.expire(session, TODAY, 180) == (2, 1)
    with unit_of_work(sessions) as session:
        assert session.get(CaseCandidate, ids[0]) is None and session.get(CaseCandidate, ids[1]) is not None
        assert session.scalars(select(CaseFollowUp)).all() == []
        assert session.get(CaseStudy, ids[2]) is None and session.get(CaseStudy, ids[3]).status == CASE_PUBLISHED
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.expired"))
        assert entry.actor == SYSTEM_ACTOR and entry.detail.startswith("2 candidates and 1 unpublished")
    with unit_of_work(sessions) as session:  # nothing more to do: nothing more in the log
        assert cases.expire(session, TODAY, 180) == (0, 0)
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "case.expired")).all()) == 1


def test_the_case_library_migration_goes_down_and_up_again(databases):
    url = databases.urls["training"]
    config = alembic_config("training", url)
    command.downgrade(config, "0007_cohorts_and_audit")
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        assert "case_studies" not in tables and "outbox" not in tables
        assert "ref" not in {c["name"] for c in inspect(engine).get_columns("case_candidates")}
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        assert {"case_studies", "outbox"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_relay_deletes_expired_candidates_and_sends_case_events_to_intake(settings_for, sessions_for,
                                                                              machine_redis):
    import redis

    from portal_ops import registry
    from services.training.relay import TrainingRelay

    sessions = sessions_for("training")
    today = dt.datetime.now(dt.UTC).date()
    with unit_of_work(sessions) as session:
        stale = _candidate(session, received_on=today - dt.timedelta(days=40)).report_id
        kept = _candidate(session, received_on=today - dt.timedelta(days=10)).report_id
        _row, case = _case(session, author="tam")
        cases.submit(session, case, "tam@example.nhs.uk")
        cases.approve(session, case, "lee", "lee@example.nhs.uk", today)
    env_settings = settings_for("training", "relay").model_copy(update={"candidate_days": 30})
    relay = TrainingRelay.build(env_settings, registry.routing())
    try:
        assert relay.tick(0.0) == 1  # case.published, to intake
        assert relay.tick(1.0) == 0  # expiry not due again yet, nothing left to send
    finally:
        relay.sessions.kw["bind"].dispose()
    with unit_of_work(sessions) as session:
        assert session.get(CaseCandidate, stale) is None and session.get(CaseCandidate, kept) is not None
        [row] = session.scalars(select(Outbox)).all()
        assert row.sent and row.message is None
        assert [e.actor for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "case.expired"))] == [
            SYSTEM_ACTOR]
    assert redis.Redis.from_url(machine_redis).llen("intake.events") == 1
