"""Transient failures are retried with backoff until they clear; they are not dead-lettered."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from portal_common.events import make_event
from services.analytics.models import DeadLetter, Report

from ..contract.test_events import EXAMPLES
from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_database_error_is_retried_then_applied(env, databases, publisher_for, stack_factory, count_rows):
    # SQLite reports a missing table as an OperationalError, the same class as "database is
    # locked" or a dropped connection: exactly what the worker must treat as transient.
    engine = create_engine(databases.urls["analytics"])
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE reports RENAME TO reports_away"))
    # Retries to spare, so a slow machine cannot use them all up before the fault is cleared.
    stack = stack_factory({**env, "PORTAL_TASK_MAX_RETRIES": "100"})
    stack.start_worker("analytics")
    event = make_event("report.redacted", {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4()}, "redactor")
    publisher_for("analytics").publish(event.to_message(), ["analytics"])

    wait_for(lambda: stack.logs().count("transient failure, retrying") >= 2, 60, message="two retries")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE reports_away RENAME TO reports"))
    engine.dispose()
    try:
        wait_for(lambda: count_rows("analytics", Report) == 1, 60, message="applied after the fault cleared")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; dead letters: {count_rows('analytics', DeadLetter)}; worker log tail:\n"
                             f"{stack.logs()[-3000:]}") from None
    assert count_rows("analytics", DeadLetter) == 0

