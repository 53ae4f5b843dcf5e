"""A follow-up note reaches analytics and training once, however often it is delivered."""

from __future__ import annotations

import uuid

import pytest

from portal_common.events import make_event
from services.analytics.models import DeadLetter, FollowUp
from services.training.models import CaseFollowUp

from ..contract.test_events import EXAMPLES
from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]


def test_follow_up_applied_once_by_each_subscriber(env, publisher_for, stack_factory, count_rows):
    stack = stack_factory(env)
    stack.start_worker("analytics")
    stack.start_worker("training")
    payload = {**EXAMPLES[("report.followup_added", 1)], "followup_id": uuid.uuid4()}
    message = make_event("report.followup_added", payload, "intake").to_message()
    publisher = publisher_for("intake")
    for _ in range(2):
        assert publisher.publish(message) == ["analytics", "training"]

    wait_for(lambda: stack.logs().count("event duplicate ignored") >= 2, 60, message="both duplicates seen")
    assert count_rows("analytics", FollowUp) == 1
    assert count_rows("training", CaseFollowUp) == 1
    assert count_rows("analytics", DeadLetter) == 0
