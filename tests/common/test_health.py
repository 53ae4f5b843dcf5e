"""Every web service answers /healthz and /readyz truthfully; every worker answers a ping."""

from __future__ import annotations

import pytest
import redis

from portal_common.messaging import relay_heartbeat_key
from portal_ops import registry

from ..conftest import make_app, run_relay_once
from ..support.processes import free_port

WEB = ("intake", "analytics", "training", "accounts")


@pytest.fixture
def app_for(settings_for):
    apps = []

    def _app(service: str, **overrides):
        settings = settings_for(service).model_copy(update=overrides)
        app = make_app(service, settings)
        apps.append(app)
        return app.test_client()

    yield _app
    for app in apps:
        app.extensions["portal"]["engine"].dispose()


@pytest.mark.parametrize("service", WEB)
def test_ready_when_database_and_broker_answer(app_for, settings_for, service):
    client = app_for(service)
    assert client.get("/healthz").status_code == 200
    expected = {"database": "ok", "broker": "ok"}
    if service == "intake":
        run_relay_once(settings_for)
        expected["relay"] = "ok"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": expected}


def test_intake_not_ready_until_its_relay_has_run(app_for, settings_for, machine_redis):
    client = app_for("intake")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable", "checks": {"database": "ok", "broker": "ok", "relay": "unavailable"}
    }
    run_relay_once(settings_for)
    assert client.get("/readyz").status_code == 200
    # The heartbeat lasts PORTAL_RELAY_HEARTBEAT_TTL seconds: a relay silent that long is gone.
    key = relay_heartbeat_key("intake")
    assert 0 < redis.Redis.from_url(machine_redis).ttl(key) <= 60
    redis.Redis.from_url(machine_redis).delete(key)  # what expiry does
    assert client.get("/readyz").status_code == 503


def test_the_relay_does_not_beat_when_its_database_is_down(settings_for, machine_redis):
    from portal_common.db import TRANSIENT_DB_ERRORS

    settings = settings_for("intake", "relay").model_copy(
        update={"database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"}
    )
    relay = registry.service("intake").relay(settings, registry.routing())
    with pytest.raises(TRANSIENT_DB_ERRORS):
        relay.tick(0.0)
    assert not redis.Redis.from_url(machine_redis).exists(relay_heartbeat_key("intake"))


@pytest.mark.parametrize("service", WEB)
def test_not_ready_without_broker(app_for, service):
    client = app_for(service, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["broker"].startswith("unavailable")
    assert response.get_json()["checks"]["database"] == "ok"


@pytest.mark.parametrize("service", WEB)
def test_not_ready_without_database_and_no_detail_given(app_for, settings_for, service):
    if service == "intake":
        run_relay_once(settings_for)  # its relay is fine: only the web app's database is away
    client = app_for(service, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unavailable"  # no exception name, no address
    body = response.get_data(as_text=True)
    assert "Error" not in body and "127.0.0.1" not in body and "psycopg" not in body


def test_intake_answers_503_when_its_database_is_down(app_for):
    client = app_for("intake", database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    response = client.post("/api/v1/reports", json={"account": "It happened again at handover."})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "handover" not in body  # the error never echoes what was sent
    assert "try again" in body.lower()


def test_security_headers_on_every_service(app_for):
    for service in WEB:
        headers = app_for(service).get("/healthz").headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_client_address_from_the_trusted_proxy_only(app_for):
    """Behind our proxy the rate-limit key follows the client; untrusted headers are ignored."""
    seen = []

    def _probe(service, **overrides):
        client = app_for(service, **overrides)
        app = client.application

        @app.get("/__probe")
        def _p():
            from flask import request

            seen.append(request.remote_addr)
            return "ok"

        return client

    direct = _probe("analytics")
    direct.get("/__probe", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    proxied = _probe("analytics", trusted_proxies=1)
    proxied.get("/__probe", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["10.0.0.2", "203.0.113.9"]
