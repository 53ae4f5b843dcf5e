"""Failure drills: a worker killed mid-task, and a Redis that comes back empty.

Each test runs its own Redis server on a spare port, never the machine's shared one.
The invariant: nothing lost, nothing doubled, no raw text left behind.
"""

from __future__ import annotations

import pytest

from services.analytics.models import Inbox as AnalyticsInbox
from services.analytics.models import Report
from services.intake.models import COMPLETE, Submission
from services.training.models import CaseCandidate

from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]


def _post(client, n: int, tag: str, repeat: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        account = " ".join([f"{tag} {i}: a colleague laughed at how I pronounce words in handover."] * repeat)
        body = {"account": account, "characteristics": ["race"], "training_consent": True}  # kept by training too
        response = client.post("/api/v1/reports", json=body)
        assert response.status_code == 202
        ids.append(response.get_json()["id"])
    return ids


def _assert_exactly_once(ids, count_rows):
    assert count_rows("analytics", Report) == len(ids)
    assert count_rows("analytics", AnalyticsInbox, event_type="report.redacted") == len(ids)
    assert count_rows("training", CaseCandidate) == len(ids)
    assert count_rows("intake", Submission, status=COMPLETE) == len(ids)
    # Every ciphertext wiped once its redaction came back.
    assert count_rows("intake", Submission, ciphertext=None) == len(ids)


@pytest.fixture
def chaos_env(env, private_redis):
    return {**env, "PORTAL_REDIS_URL": private_redis.url}


@pytest.fixture
def chaos_app(chaos_env):
    from portal_ops import registry

    from ..conftest import make_app

    app = make_app("intake", registry.service("intake").web.settings.from_env(chaos_env))
    yield app
    app.extensions["portal"]["engine"].dispose()


def test_killing_the_redactor_mid_task_loses_nothing(chaos_env, chaos_app, stack_factory, private_redis, count_rows):
    stack = stack_factory(chaos_env)
    for service in ("intake", "analytics", "training"):
        stack.start_worker(service)
    stack.start_relay()
    ids = _post(chaos_app.test_client(), 20, "kill", repeat=60)  # long accounts: slow enough to catch
    broker = private_redis.client()
    wait_for(lambda: broker.llen("redactor.events") == len(ids), 60, message="reports queued for the redactor")
    stack.start_worker("redactor")
    # Kill the redactor outright (no warm shutdown, no ack) while it holds a message.
    wait_for(lambda: broker.hlen("unacked") >= 1, 90, interval=0.01, message="a task in progress")
    stack.kill("redactor-worker")
    assert broker.hlen("unacked") >= 1, "the killed worker's message must still be unacknowledged"
    assert count_rows("analytics", Report) < len(ids)
    stack.start_worker("redactor")  # unacknowledged messages come back after the visibility timeout
    wait_for(lambda: count_rows("intake", Submission, status=COMPLETE) == len(ids), 120, message="all reports complete")
    _assert_exactly_once(ids, count_rows)


def test_redis_restarting_empty_still_redacts_every_report_once(
    chaos_env, chaos_app, stack_factory, private_redis, count_rows
):
    stack = stack_factory(chaos_env)
    stack.start_all()
    client = chaos_app.test_client()
    before = _post(client, 4, "before")
    wait_for(lambda: count_rows("analytics", Report) >= 1, 90, message="pipeline flowing")

    private_redis.stop()  # crash: every queued and unacknowledged message is gone
    during = _post(client, 6, "during")  # intake still accepts; the outbox holds them
    private_redis.start()  # same port, empty dataset

    ids = before + during
    wait_for(lambda: count_rows("intake", Submission, status=COMPLETE) == len(ids), 180, message="all reports complete")
    _assert_exactly_once(ids, count_rows)
