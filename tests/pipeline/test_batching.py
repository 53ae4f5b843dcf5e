"""Reports waiting together are redacted together (one nlp.pipe pass per batch)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import redis

from portal_common.crypto import TextCipher, new_key
from portal_common.events import make_event
from portal_common.messaging import Publisher, make_sender
from portal_ops import registry
from services.intake.models import COMPLETE, Submission
from services.redactor.models import DeadLetter

from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]


def _queue_without_redactor(env, stack_factory, intake_app, accounts):
    """Everything but the redactor running, and these reports posted: they wait in its queue.

    No re-send sweep during the test, so each report is queued exactly once."""
    stack = stack_factory({**env, "PORTAL_RESEND_INTERVAL": "600"})
    for service in ("intake", "analytics", "training"):
        stack.start_worker(service)
    stack.start_relay()
    client = intake_app.test_client()
    ids = [client.post("/api/v1/reports", json={"account": account}).get_json()["id"] for account in accounts]
    return stack, ids


def test_waiting_reports_are_redacted_in_batches(env, intake_app, stack_factory, machine_redis, count_rows):
    accounts = [f"Report {n}: Tomasz Nowak mocked my accent." for n in range(20)]
    stack, ids = _queue_without_redactor(env, stack_factory, intake_app, accounts)
    broker = redis.Redis.from_url(machine_redis)
    wait_for(lambda: broker.llen("redactor.events") == len(ids), 60, message="reports waiting")

    stack.start_worker("redactor")
    wait_for(lambda: count_rows("intake", Submission, status=COMPLETE) == len(ids), 90, message="all complete")
    sizes = [
        entry["count"]
        for line in stack.logs().splitlines()
        if line.startswith("{") and (entry := json.loads(line)).get("msg") == "batch redacted"
    ]
    assert sum(sizes) == len(ids)
    assert max(sizes) > 1, f"every message was redacted on its own: {sizes}"
    assert len(sizes) < len(ids)


def test_a_poison_message_in_a_batch_spares_the_others(env, intake_app, stack_factory, machine_redis, count_rows):
    accounts = [f"Report {n}: left out again." for n in range(5)]
    stack, ids = _queue_without_redactor(env, stack_factory, intake_app, accounts)
    stranger = TextCipher([new_key()]).encrypt_json({"account": "sealed with a key nobody configured"})
    week = dt.date(2026, 11, 16)
    payload = {"report_id": uuid.uuid4(), "ciphertext": stranger, "submitted_week": week, "details": {}}
    poison = make_event("report.submitted", payload, "intake")
    settings = registry.service("intake").worker_settings.from_env(env)
    Publisher(make_sender(settings), registry.routing()).publish(poison.to_message())
    broker = redis.Redis.from_url(machine_redis)
    wait_for(lambda: broker.llen("redactor.events") == 6, 60, message="six messages waiting")

    stack.start_worker("redactor")
    wait_for(lambda: count_rows("intake", Submission, status=COMPLETE) == len(ids), 90, message="good ones complete")
    wait_for(lambda: count_rows("redactor", DeadLetter) == 1, 30, message="poison parked")
    assert "sealed with a key" not in stack.logs()
