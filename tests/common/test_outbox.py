"""The outbox relay against a real Redis: sends once, keeps events while Redis is away."""

from __future__ import annotations

import base64
import json

from portal_common.crypto import TextCipher
from portal_common.db import unit_of_work
from portal_common.messaging import Publisher, make_sender
from portal_common.outbox import pending_count, relay_once
from portal_ops import registry
from services.intake import operations
from services.intake.models import Outbox, Submission

REPORT = {"account": "Someone kept calling me by the wrong name.", "characteristics": ["race"]}


def _queued(redis_client, queue: str) -> list[dict]:
    return [json.loads(raw) for raw in redis_client.lrange(queue, 0, -1)]


def _submit(sessions, cipher, n=1):
    ids = []
    for _ in range(n):
        with unit_of_work(sessions) as session:
            ids.append(operations.submit_report(session, cipher, dict(REPORT)).id)
    return ids


def _settings(settings_for, redis_url):
    return settings_for("intake", "relay").model_copy(update={"redis_url": redis_url})


def test_relay_publishes_each_event_once(private_redis, settings_for, sessions_for):
    settings = _settings(settings_for, private_redis.url)
    sessions = sessions_for("intake")
    cipher = TextCipher(settings_for("intake").fernet_key_list)
    ids = _submit(sessions, cipher, 3)
    publisher = Publisher(make_sender(settings), registry.routing())

    assert relay_once(sessions, Outbox, publisher) == 3
    assert relay_once(sessions, Outbox, publisher) == 0  # a second pass sends nothing twice

    messages = _queued(private_redis.client(), "redactor.events")
    assert len(messages) == 3
    bodies = [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]
    assert sorted(b["payload"]["report_id"] for b in bodies) == sorted(ids)
    assert all(b["type"] == "report.submitted" for b in bodies)
    # Nothing readable travels: the account is only inside the Fernet token.
    assert all(REPORT["account"] not in json.dumps(m) for m in messages)
    # Sent rows no longer carry the ciphertext.
    with unit_of_work(sessions) as session:
        assert all(row.message is None and row.sent for row in session.query(Outbox))


def test_events_wait_in_the_outbox_while_redis_is_down(private_redis, settings_for, sessions_for):
    settings = _settings(settings_for, private_redis.url)
    sessions = sessions_for("intake")
    cipher = TextCipher(settings_for("intake").fernet_key_list)
    publisher = Publisher(make_sender(settings), registry.routing())
    private_redis.stop()

    _submit(sessions, cipher, 2)  # intake still accepts: the outbox holds them
    assert relay_once(sessions, Outbox, publisher) == 0
    assert pending_count(sessions, Outbox) == 2
    with unit_of_work(sessions) as session:
        assert session.query(Submission).count() == 2

    private_redis.start()  # back, and empty
    assert relay_once(sessions, Outbox, publisher) == 2
    assert pending_count(sessions, Outbox) == 0
    assert private_redis.client().llen("redactor.events") == 2
