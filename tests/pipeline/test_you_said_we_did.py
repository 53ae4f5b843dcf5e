"""'You said, we did' end to end, with real Redis, real Celery workers and the relay: a lead
publishes an action in analytics, intake's public page shows it, a matching reporter's
receipt lists it (and says the report was counted once its release is out); withdrawing
it removes it from both."""

from __future__ import annotations

import datetime as dt

import pytest

from portal_common.db import unit_of_work
from services.analytics.models import Release
from services.intake.models import PENDING, Submission

from ..analytics.conftest import post_form, provider, provider_server, rp_factory, staff_client  # noqa: F401
from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]

TITLE = "Full names on every rota"


def test_a_published_action_reaches_the_public_page_and_matching_receipts_until_withdrawn(
    env,
    intake_app,
    stack_factory,
    fetch,
    sessions_for,
    rp_factory,  # noqa: F811
    staff_client,  # noqa: F811
):
    stack = stack_factory({**env, "PORTAL_ANALYTICS_RELEASE_CHECK_INTERVAL": "1"})
    stack.start_all()
    reporter = intake_app.test_client()
    sent = reporter.post(
        "/api/v1/reports",
        json={"account": "My manager keeps shortening my name on the rota.", "characteristics": ["race"]},
    ).get_json()
    code = sent["receipt_code"]

    def receipt() -> dict:
        return reporter.post("/api/v1/receipts/lookup", json={"code": code}).get_json()

    def stage(view: dict, name: str):
        return next(s["done"] for s in view["stages"] if s["code"] == name)

    wait_for(
        lambda: (s := fetch("intake", Submission, sent["id"])) and s.status != PENDING,
        120,
        message="the report to be redacted",
    )
    assert stage(receipt(), "in_report") is False and receipt()["actions"] == []

    # The release covering this week becomes visible to leads today: the relay announces it.
    today = dt.datetime.now(dt.UTC).date()
    with unit_of_work(sessions_for("analytics")) as session:
        session.add(
            Release(
                kind="quarter",
                starts_on=today - dt.timedelta(days=40),
                ends_on=today + dt.timedelta(days=7),
                publish_on=today,
                built_on=today,
                k=10,
                rounding=5,
                cells=0,
                suppressed=0,
                method="test",
            )
        )
    wait_for(lambda: stage(receipt(), "in_report"), 60, message="the receipt to count the report as reported")

    analytics = rp_factory("analytics")
    lead = staff_client(analytics, "lead-a", scope="system")
    drafted = post_form(
        lead,
        "/actions/new",
        {
            "title": TITLE,
            "you_said": "People's names were shortened or replaced on rotas and handover sheets.",
            "we_did": "Rotas now hold full names, and handover sheets say how to pronounce them.",
            "characteristics": ["race"],
            "themes": ["names"],
        },
    )
    action_path = drafted.headers["Location"]
    assert post_form(lead, f"{action_path}/publish").status_code == 302

    wait_for(
        lambda: TITLE in reporter.get("/you-said-we-did").get_data(as_text=True),
        60,
        message="intake's page to show the action",
    )
    [listed] = wait_for(lambda: receipt()["actions"], 10, message="the receipt to list the action")
    assert listed["title"] == TITLE and listed["characteristics"] == ["race"]

    assert post_form(lead, f"{action_path}/withdraw").status_code == 302
    wait_for(
        lambda: TITLE not in reporter.get("/you-said-we-did").get_data(as_text=True),
        60,
        message="the withdrawn action to leave intake's page",
    )
    assert receipt()["actions"] == []
    assert stage(receipt(), "in_report") is True
    assert "Traceback" not in stack.logs()
