"""Intake's re-send sweep: what it re-sends, to whom, and when it holds back."""

from __future__ import annotations

import logging

from sqlalchemy import select

from portal_common.crypto import TextCipher
from portal_common.db import unit_of_work
from services.intake import operations
from services.intake.models import REDACTED, Outbox, Submission


def _submit(sessions, settings, n=1):
    cipher = TextCipher(settings.fernet_keys)
    ids = []
    with unit_of_work(sessions) as session:
        for i in range(n):
            ids.append(operations.submit_report(session, cipher, {"account": f"report {i}"}).id)
        for row in session.scalars(select(Outbox)):
            row.sent, row.message = True, None  # as if the relay had delivered them
    return ids


def _sweep(sessions):
    with unit_of_work(sessions) as session:
        return operations.sweep_unconfirmed(session)


def _pending_outbox(sessions):
    with unit_of_work(sessions) as session:
        return [(r.event_type, r.targets) for r in session.scalars(select(Outbox).where(Outbox.sent.is_(False)))]


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
    _sweep(sessions)
    assert _sweep(sessions) == 1
    assert _pending_outbox(sessions) == [("report.redacted", ["training"])]


def test_a_report_past_the_limit_is_left_to_an_operator(sessions_for, settings_for, caplog):
    sessions = sessions_for("intake")
    [report_id] = _submit(sessions, settings_for("intake"))
    with unit_of_work(sessions) as session:
        session.get(Submission, report_id).resend_count = operations.RESEND_LIMIT
    with caplog.at_level(logging.WARNING, logger="portal.intake"):
        assert _sweep(sessions) == 0 and _sweep(sessions) == 0
    assert _pending_outbox(sessions) == []
    assert "need an operator" in caplog.text
