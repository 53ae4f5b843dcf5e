"""Training consent through real workers and Redis: only reports whose reporter agreed reach
the training pool; withdrawing on the receipt page deletes them there; intake's bookkeeping
completes either way, so nothing is re-sent for ever."""

from __future__ import annotations

import pytest

from services.analytics.models import Report
from services.intake.models import COMPLETE, WITHDRAWAL_DONE, Submission
from services.training.models import CaseCandidate, CaseFollowUp, ConsentWithdrawal
from services.training.models import Inbox as TrainingInbox

from ..intake.conftest import FormClient
from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]

ACCOUNT = "At handover Sister Okafor said my accent was too strong for patients and laughed."


def _complete(fetch, report_id):
    return wait_for(
        lambda: (s := fetch("intake", Submission, report_id)) and s.status == COMPLETE and s,
        90,
        message="intake to hear from analytics and training",
    )


def test_a_consenting_report_reaches_training_and_a_withdrawal_removes_it(
    env, intake_app, stack_factory, fetch, count_rows
):
    stack = stack_factory(env)
    stack.start_all()
    client = intake_app.test_client()
    body = {"account": ACCOUNT, "organisation": "DEMO3", "training_consent": True, "setting": "mental_health"}
    sent = client.post("/api/v1/reports", json=body).get_json()
    report_id, code = sent["id"], sent["receipt_code"]

    candidate = wait_for(lambda: fetch("training", CaseCandidate, report_id), 90, message="the training pool")
    assert "Okafor" not in candidate.redacted_text and "accent" in candidate.redacted_text
    analytics = wait_for(lambda: fetch("analytics", Report, report_id), 30, message="analytics")
    assert analytics.organisation == "DEMO3" and analytics.setting == "mental_health"
    _complete(fetch, report_id)

    note = client.post("/api/v1/receipts/notes", json={"code": code, "note": "It happened again today."})
    assert note.status_code == 202
    wait_for(lambda: count_rows("training", CaseFollowUp, report_id=report_id) == 1, 60, message="the note")

    forms = FormClient(client)
    page = forms.post("/receipt/training-consent/withdraw", {"code": code}, token_from="/receipt")
    assert page.status_code == 200 and "Your agreement has been withdrawn" in page.get_data(as_text=True)

    wait_for(lambda: fetch("training", CaseCandidate, report_id) is None, 60, message="the candidate deleted")
    assert count_rows("training", CaseFollowUp, report_id=report_id) == 0
    assert fetch("training", ConsentWithdrawal, report_id) is not None
    withdrawn = wait_for(
        lambda: (s := fetch("intake", Submission, report_id)) and s.consent_withdrawal == WITHDRAWAL_DONE and s,
        60,
        message="training to confirm the withdrawal",
    )
    assert withdrawn.withdrawal_confirmed_by == ["training"]
    # The report still counts for leads: only training's copy goes.
    assert fetch("analytics", Report, report_id) is not None


def test_a_report_without_consent_is_confirmed_but_never_kept_by_training(
    env, intake_app, stack_factory, fetch, count_rows
):
    stack = stack_factory(env)
    stack.start_all()
    client = intake_app.test_client()
    sent = client.post("/api/v1/reports", json={"account": ACCOUNT, "organisation": "prefer_not_to_say"}).get_json()
    report_id = sent["id"]

    # Training confirms the report it chose not to keep, so intake stops waiting for it.
    submission = _complete(fetch, report_id)
    assert sorted(submission.confirmed_by) == ["analytics", "training"]
    assert fetch("analytics", Report, report_id).organisation == "prefer_not_to_say"

    note = client.post("/api/v1/receipts/notes", json={"code": sent["receipt_code"], "note": "And again."})
    assert note.status_code == 202
    wait_for(
        lambda: count_rows("training", TrainingInbox, event_type="report.followup_added") == 1,
        60,
        message="training to take the note's event",
    )
    assert count_rows("training", CaseCandidate) == 0
    assert count_rows("training", CaseFollowUp) == 0
    assert count_rows("training", ConsentWithdrawal) == 0
    # Complete, so the relay's sweep (every 3 s here) has nothing more to re-send for it.
    assert fetch("intake", Submission, report_id).status == COMPLETE
