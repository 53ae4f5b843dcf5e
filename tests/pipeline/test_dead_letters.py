"""Poison messages are parked, not retried forever; an operator can list and replay them."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from portal_common.db import unit_of_work
from portal_common.events import make_event
from portal_common.messaging import queue_for, task_for
from services.analytics.models import DeadLetter, Report

from ..contract.test_events import EXAMPLES
from ..support.processes import ROOT, wait_for

pytestmark = [pytest.mark.pipeline]


def _dlq(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "portal_ops.deadletter", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )


def test_poison_is_parked_and_a_repaired_message_replays(env, publisher_for, stack_factory, count_rows, sessions_for):
    stack = stack_factory(env)
    stack.start_worker("analytics")
    publisher = publisher_for("analytics")

    # A message no schema accepts: parked at once, acknowledged, not retried.
    publisher.app.send_task(task_for("analytics"), args=[{"type": "report.redacted", "id": "nope"}],
                        queue=queue_for("analytics"), ignore_result=True)
    wait_for(lambda: count_rows("analytics", DeadLetter) == 1, 60, message="poison parked")

    # A valid event that failed earlier (parked by hand here) is replayed by the operator.
    event = make_event("report.redacted", {**EXAMPLES[("report.redacted", 1)], "report_id": uuid.uuid4()}, "redactor")
    with unit_of_work(sessions_for("analytics")) as session:
        session.add(DeadLetter(event_id=str(event.id), event_type=event.type, task_name=task_for("analytics"),
                               message=event.to_message(), error="TransientFailure: retries exhausted", attempts=3))

    full_env = {**stack.env}
    listed = [json.loads(line) for line in _dlq(full_env, "list", "--service", "analytics").stdout.splitlines()]
    assert [d["error"].split(":")[0] for d in listed] == ["invalid event", "TransientFailure"]
    assert all("message" not in d for d in listed)  # listing never prints payloads

    _dlq(full_env, "replay", "--service", "analytics", str(listed[1]["id"]))
    wait_for(lambda: count_rows("analytics", Report) == 1, 60, message="replayed event applied")
    assert _dlq(full_env, "list", "--service", "analytics").stdout.strip().count("\n") == 0  # one left
    assert publisher.publish(event.to_message(), ["analytics"]) == ["analytics"]  # and again: no double
    wait_for(lambda: "event duplicate ignored" in stack.logs(), 30, message="duplicate seen")
    assert count_rows("analytics", Report) == 1


def test_every_worker_answers_a_ping(env, stack_factory, publisher_for):
    stack = stack_factory(env)
    stack.start_all()
    publisher = publisher_for("intake").app

    def names():
        return {next(iter(reply)).split("-")[0] for reply in publisher.control.ping(timeout=1.0)}

    wait_for(lambda: names() >= {"intake", "redactor", "analytics", "training"}, 60, interval=0.5, message="pings")
