"""Rate limits hold across workers, are configurable, and keep no address anywhere."""

from __future__ import annotations

import logging

import pytest
import redis

from portal_common.settings import ConfigError
from services.intake.settings import IntakeWebSettings

from ..conftest import make_app

REPORT = {"account": "My manager keeps calling me by the wrong name in meetings."}


@pytest.fixture
def two_workers(env):
    """Two intake apps with the same settings: two gunicorn workers, or two replicas."""
    settings = IntakeWebSettings.from_env({**env, "PORTAL_INTAKE_REPORT_LIMIT": "3 per hour"})
    apps = [make_app("intake", settings) for _ in range(2)]
    yield [app.test_client() for app in apps]
    for app in apps:
        app.extensions["portal"]["engine"].dispose()


def _send(client, address="192.0.2.10"):
    return client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": address})


def test_the_limit_is_shared_by_every_worker(two_workers):
    first, second = two_workers
    assert [_send(c).status_code for c in (first, second, first)] == [202, 202, 202]
    refused = _send(second)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_json()["errors"]["_schema"][0]
    # Another address (another trust's network) is not held back by the first one.
    assert _send(second, "198.51.100.7").status_code == 202


def test_redis_holds_counters_under_short_keys_and_no_address(two_workers, env):
    first, _second = two_workers
    address = "203.0.113.99"
    assert _send(first, address).status_code == 202
    keys = [k.decode() for k in redis.Redis.from_url(env["PORTAL_REDIS_URL"]).keys("*intake-rl*")]
    assert keys, env["PORTAL_REDIS_URL"]
    for key in keys:
        assert address not in key
        bucket = key.split("/intake-rl/")[1].split("/")[0]  # flask-limiter: prefix/key/scope/limit
        assert len(bucket) == 6, key


def test_a_breach_is_logged_without_the_client_key(two_workers, caplog):
    first, _second = two_workers
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        for _ in range(4):
            _send(first, "192.0.2.44")
    breaches = [r.getMessage() for r in caplog.records if r.name == "flask-limiter"]
    assert breaches and all("exceeded" in line for line in breaches)
    from services.intake.security import DayKeys

    key = DayKeys(first.application.config["SECRET_KEY"]).client_key("192.0.2.44")
    assert all(key not in line and "192.0.2.44" not in line for line in breaches)


@pytest.mark.parametrize("variable", ["PORTAL_INTAKE_REPORT_LIMIT", "PORTAL_INTAKE_WRONG_CODE_LIMIT"])
def test_a_limit_that_is_not_a_rate_is_refused_at_start(env, variable):
    with pytest.raises(ConfigError, match=f"^{variable} is not a rate limit"):
        IntakeWebSettings.from_env({**env, variable: "lots"})
