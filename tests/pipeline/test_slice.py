"""A report travels the whole real path: intake -> Redis -> redactor -> analytics, training."""

from __future__ import annotations

import pytest

from portal_common.db import unit_of_work
from portal_common.events import derived_id
from services.analytics.models import Inbox as AnalyticsInbox
from services.analytics.models import Report
from services.intake.models import COMPLETE, Submission
from services.training.models import CaseCandidate
from services.training.models import Inbox as TrainingInbox

from ..support.processes import wait_for
from ..support.scan import dump_database, dump_redis

pytestmark = [pytest.mark.pipeline]

NAME_FIRST, NAME_LAST = "Priya", "Ramanathan"
EMAIL = "priya.ramanathan@example.nhs.uk"
PHONE = "07700 900461"
ACCOUNT = (
    f"On the ward round {NAME_FIRST} {NAME_LAST} said my accent made me hard to understand "
    f"and asked where I was really from. You can reach me on {EMAIL} or {PHONE}."
)


def test_report_arrives_redacted_everywhere_and_ciphertext_is_wiped(
    env, intake_app, stack_factory, fetch, databases, machine_redis
):
    stack = stack_factory(env)
    stack.start_all()
    response = intake_app.test_client().post(
        "/api/v1/reports",
        json={"account": ACCOUNT, "characteristics": ["race"], "setting": "acute", "organisation": "DEMO1",
              "training_consent": True},
    )
    assert response.status_code == 202
    report_id = response.get_json()["id"]

    report = wait_for(lambda: fetch("analytics", Report, report_id), 90, message="analytics to hold the report")
    candidate = wait_for(lambda: fetch("training", CaseCandidate, report_id), 30, message="training pool")
    text = candidate.redacted_text  # analytics keeps the coded answers only, no text
    for secret in (NAME_FIRST, NAME_LAST, EMAIL, PHONE):
        assert secret not in text
    assert "accent" in text and "really from" in text  # the substance survives
    assert "[EMAIL]" in text
    assert report.characteristics == ["race"] and report.setting == "acute"
    assert report.organisation == "DEMO1"
    assert "accent_language" in report.themes

    submission = wait_for(
        lambda: (s := fetch("intake", Submission, report_id)) and s.status == COMPLETE and s,
        30,
        message="intake to see both confirmations",
    )
    assert submission.ciphertext is None
    assert submission.redacted_text == candidate.redacted_text
    # Downstream, the only date is a Monday: not the day the report arrived.
    inbox = fetch("analytics", AnalyticsInbox, str(derived_id("report.redacted", report_id)))
    assert inbox is not None and inbox.applied_on.weekday() == 0
    assert report.submitted_week.weekday() == 0

    # No raw text anywhere but where it never was: other databases, Redis, logs.
    stored = "\n".join(dump_database(databases.urls[s]) for s in ("intake", "analytics", "training", "redactor"))
    everything = stored + dump_redis(machine_redis) + stack.logs()
    for secret in (ACCOUNT, f"{NAME_FIRST} {NAME_LAST}", NAME_LAST, EMAIL, PHONE):
        assert secret not in everything
    assert "hard to understand" not in stack.logs()  # logs carry ids, never text


def test_each_event_delivered_twice_is_applied_once(env, intake_app, stack_factory, fetch, count_rows, publisher_for):
    stack = stack_factory(env)
    stack.start_all()
    client = intake_app.test_client()
    ids = [
        client.post(
            "/api/v1/reports", json={"account": f"Report {n}: my name was mocked again.", "training_consent": True}
        ).get_json()["id"]
        for n in range(3)
    ]
    for report_id in ids:
        wait_for(
            lambda rid=report_id: (s := fetch("intake", Submission, rid)) and s.status == COMPLETE,
            90,
            message="every report complete",
        )

    # Deliver every report.redacted again, twice, to every subscriber.
    publisher = publisher_for("intake")
    sessions = intake_app.extensions["portal"]["sessions"]
    with unit_of_work(sessions) as session:
        # Intake keeps each redactor's message as received: the very event every consumer got.
        messages = [session.get(Submission, rid).redacted_message for rid in ids]
    for message in messages * 2:
        assert publisher.publish(message) == ["intake", "analytics", "training"]

    wait_for(lambda: stack.logs().count("event duplicate ignored") >= 18, 60, message="duplicates to be seen")
    assert count_rows("analytics", Report) == 3
    assert count_rows("training", CaseCandidate) == 3
    assert count_rows("analytics", AnalyticsInbox, event_type="report.redacted") == 3
    assert count_rows("training", TrainingInbox, event_type="report.redacted") == 3
