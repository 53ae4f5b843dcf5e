"""Anonymity, proven end to end: send reports with a distinctive address, user agent and
referrer, through real gunicorn, real Redis, real workers and real databases, then search
every log line, every table of every service and every Redis key and value for them."""

from __future__ import annotations

import json
import urllib.request

import pytest
import redis
from sqlalchemy import create_engine, inspect, select, text

from services.intake.models import COMPLETE, Submission

from ..support.processes import wait_for
from .live import start_intake_web

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]

ADDRESS = "203.0.113.219"
OTHER_ADDRESS = "198.51.100.77"
AGENT = "CanaryBrowser/7.3 (anon-test-ua-5f1c)"
REFERRER = "https://intranet.example.org/canary-referrer-9d2e"
ACCOUNT = "Canary text 4b1e: a visitor asked Dr Priya Shah where she was really from."


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": AGENT, "Referer": REFERRER,
                 "X-Forwarded-For": ADDRESS, "X-Real-IP": ADDRESS, "Forwarded": f"for={ADDRESS}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _all_rows(url: str) -> str:
    engine = create_engine(url)
    dump = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - our own table names
                dump.append(repr(tuple(row)))
    engine.dispose()
    return "\n".join(dump)


def _all_redis(url: str) -> str:
    client = redis.Redis.from_url(url)
    dump = []
    for key in client.scan_iter(count=1000):
        dump.append(repr(key))
        kind = client.type(key)
        if kind == b"string":
            dump.append(repr(client.get(key)))
        elif kind == b"list":
            dump.extend(map(repr, client.lrange(key, 0, -1)))
        elif kind == b"hash":
            dump.append(repr(client.hgetall(key)))
        elif kind == b"set":
            dump.append(repr(client.smembers(key)))
        elif kind == b"zset":
            dump.append(repr(client.zrange(key, 0, -1)))
    return "\n".join(dump)


def test_no_address_agent_referrer_or_raw_text_is_kept_anywhere(
    env, databases, intake_app, stack_factory, sessions_for, capfd
):
    stack = stack_factory(env)
    stack.start_all()
    base = start_intake_web(stack)

    # Both agree to training use, so their redacted text reaches the training pool too.
    body = {"account": ACCOUNT, "characteristics": ["race"], "training_consent": True}
    sent = [_post(base + "/api/v1/reports", body)]
    # The same through the Flask app, with the address in the WSGI environ itself.
    client = intake_app.test_client()
    response = client.post(
        "/api/v1/reports", json={"account": ACCOUNT, "setting": "acute", "training_consent": True},
        environ_base={"REMOTE_ADDR": OTHER_ADDRESS, "HTTP_USER_AGENT": AGENT, "HTTP_REFERER": REFERRER},
    )
    sent.append(response.get_json())
    wrong = client.post("/api/v1/receipts/lookup", json={"code": "no such code here at all"},
                        environ_base={"REMOTE_ADDR": OTHER_ADDRESS, "HTTP_USER_AGENT": AGENT})
    assert wrong.status_code == 404
    _post(base + "/api/v1/receipts/lookup", {"code": sent[0]["receipt_code"]})

    sessions = sessions_for("intake")

    def complete() -> bool:
        with sessions() as session:
            rows = session.scalars(select(Submission)).all()
            return len(rows) == 2 and all(r.status == COMPLETE for r in rows)

    wait_for(complete, 120, message="both reports redacted and stored everywhere")
    stack.stop_all()

    captured = capfd.readouterr()
    haystacks = {
        "logs": stack.logs() + captured.out + captured.err,
        "redis": _all_redis(env["PORTAL_REDIS_URL"]),
        **{f"db:{service}": _all_rows(url) for service, url in databases.urls.items()},
    }
    assert "report accepted" in haystacks["logs"], "the logs were captured"
    assert "[PERSON" in haystacks["db:training"], "the redacted reports reached training"
    needles = [ADDRESS, OTHER_ADDRESS, "203.0.113", "198.51.100", AGENT, "CanaryBrowser", "anon-test-ua",
               REFERRER, "canary-referrer", "Priya", "Shah", ACCOUNT, sent[0]["receipt_code"],
               sent[1]["receipt_code"]]
    for name, haystack in haystacks.items():
        for needle in needles:
            assert needle not in haystack, f"{needle!r} found in {name}"
