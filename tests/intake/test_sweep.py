"""Intake's re-send sweep: what it re-sends, to whom, and when it holds back."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from portal_common.crypto import TextCipher
from portal_common.db import unit_of_work
from portal_common.events import derived_id, make_event
from portal_ops import registry
from services.intake import operations
from services.intake.models import REDACTED, WITHDRAWAL_DONE, Outbox, Submission

from ..contract.test_events import EXAMPLES

CONFIRMERS = registry.routing().confirmers_of("report.redacted")


def _submit(sessions, settings, n=1):
    cipher = TextCipher(settings.fernet_key_list)
    ids = []
    with unit_of_work(sessions) as session:
        for i in range(n):
            ids.append(operations.submit_report(session, cipher, {"account": f"report {i}"}).id)
        for row in session.scalars(select(Outbox)):
            row.sent, row.message = True, None  # as if the relay had delivered them
    return ids


def _sweep(sessions):
    with unit_of_work(sessions) as session:
        return operations.sweep_unconfirmed(session, CONFIRMERS)


def _pending_outbox(sessions, with_message=False):
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(Outbox).where(Outbox.sent.is_(False)))
        return [(r.event_type, r.targets, *([r.message] if with_message else [])) for r in rows]


def test_a_pending_report_is_re_sent_after_one_quiet_sweep(sessions_for, settings_for):
    sessions = sessions_for("intake")
    _submit(sessions, settings_for("intake"))
    assert _sweep(sessions) == 0  # first sight: give it a whole interval
    assert _sweep(sessions) == 1
    assert _pending_outbox(sessions) == [("report.submitted", None)]


def test_nothing_is_re_sent_while_the_outbox_has_a_backlog(sessions_for, settings_for):
    sessions = sessions_for("intake")
    _submit(sessions, settings_for("intake"), 2)
    _sweep(sessions)
    assert _sweep(sessions) == 2
    assert _sweep(sessions) == 0 and _sweep(sessions) == 0  # the two are still unsent
    assert len(_pending_outbox(sessions)) == 2


def test_only_the_consumer_that_did_not_confirm_gets_it_again(sessions_for, settings_for):
    sessions = sessions_for("intake")
    [report_id] = _submit(sessions, settings_for("intake"))
    with unit_of_work(sessions) as session:
        row = session.get(Submission, report_id)
        row.status, row.ciphertext, row.redacted_text = REDACTED, None, "[PERSON 1] laughed."
        row.themes, row.entity_counts = [], {"PERSON": 1}
        row.risk = {"score": 0.0, "reasons": [], "needs_review": False}
        row.confirmed_by = ["analytics"]
        payload = {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.UUID(report_id)}
        row.redacted_message = make_event("report.redacted", payload, "redactor").to_message()
        received = row.redacted_message
    _sweep(sessions)
    assert _sweep(sessions) == 1
    # The redactor's own message goes out again, verbatim, to the consumer that is missing.
    assert _pending_outbox(sessions, with_message=True) == [("report.redacted", ["training"], received)]


def test_a_report_past_the_limit_is_left_to_an_operator(sessions_for, settings_for, caplog):
    sessions = sessions_for("intake")
    [report_id] = _submit(sessions, settings_for("intake"))
    with unit_of_work(sessions) as session:
        session.get(Submission, report_id).resend_count = operations.RESEND_LIMIT
    with caplog.at_level(logging.WARNING, logger="portal.intake"):
        assert _sweep(sessions) == 0 and _sweep(sessions) == 0
    assert _pending_outbox(sessions) == []
    assert "need an operator" in caplog.text


WITHDRAWAL_CONFIRMERS = registry.routing().confirmers_of("report.training_consent_withdrawn")


def _withdraw(sessions, report_id):
    from services.intake.operations.records import withdraw_training_consent

    with unit_of_work(sessions) as session:
        submission = session.get(Submission, report_id)
        submission.training_consent = True
        assert withdraw_training_consent(session, submission)
        for row in session.scalars(select(Outbox)):
            row.sent, row.message = True, None  # as if the relay had delivered it


def _confirm(sessions, report_id, consumer, event_type):
    stored = make_event(
        "report.stored", {"report_id": uuid.UUID(report_id), "consumer": consumer, "event_type": event_type}, consumer
    )
    with unit_of_work(sessions) as session:
        operations.apply_stored(session, stored, CONFIRMERS, WITHDRAWAL_CONFIRMERS)


def _sweep_withdrawals(sessions):
    with unit_of_work(sessions) as session:
        return operations.sweep_unconfirmed_withdrawals(session, WITHDRAWAL_CONFIRMERS)


def test_training_confirms_withdrawals_and_nothing_else_needs_to():
    assert WITHDRAWAL_CONFIRMERS == ("training",)


def test_an_unconfirmed_withdrawal_is_sent_again_until_training_confirms_it(sessions_for, settings_for):
    sessions = sessions_for("intake")
    [report_id] = _submit(sessions, settings_for("intake"))
    _withdraw(sessions, report_id)
    assert _sweep_withdrawals(sessions) == 0  # first sight: give it a whole interval
    assert _sweep_withdrawals(sessions) == 1
    [(event_type, targets, message)] = _pending_outbox(sessions, with_message=True)
    assert (event_type, targets) == ("report.training_consent_withdrawn", ["training"])
    assert message["id"] == str(derived_id("report.training_consent_withdrawn", report_id))
    with unit_of_work(sessions) as session:
        for row in session.scalars(select(Outbox)):
            row.sent, row.message = True, None

    # A confirmation of the report's redaction is not a confirmation of the withdrawal.
    _confirm(sessions, report_id, "training", "report.redacted")
    assert _sweep_withdrawals(sessions) == 1
    with unit_of_work(sessions) as session:
        for row in session.scalars(select(Outbox)):
            row.sent, row.message = True, None
    _confirm(sessions, report_id, "training", "report.training_consent_withdrawn")
    with unit_of_work(sessions) as session:
        row = session.get(Submission, report_id)
        assert row.consent_withdrawal == WITHDRAWAL_DONE
        assert row.confirmed_by == ["training"]  # the redaction's confirmation, kept apart
    assert _sweep_withdrawals(sessions) == 0 and _sweep_withdrawals(sessions) == 0


def test_a_report_still_pending_is_re_sent_without_the_consent_it_withdrew(sessions_for, settings_for):
    sessions = sessions_for("intake")
    [report_id] = _submit(sessions, settings_for("intake"))
    _withdraw(sessions, report_id)
    _sweep(sessions)
    assert _sweep(sessions) == 1
    pending = _pending_outbox(sessions, with_message=True)
    [(_type, _targets, message)] = [row for row in pending if row[0] == "report.submitted"]
    assert message["payload"]["training_consent"] is False
