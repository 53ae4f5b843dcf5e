"""Every web service answers /healthz and /readyz truthfully; every worker answers a ping."""

from __future__ import annotations

import pytest

from ..conftest import make_app
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
def test_ready_when_database_and_broker_answer(app_for, service):
    client = app_for(service)
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.parametrize("service", WEB)
def test_not_ready_without_broker(app_for, service):
    client = app_for(service, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["broker"].startswith("unavailable")
    assert response.get_json()["checks"]["database"] == "ok"


def test_not_ready_without_database(app_for):
    client = app_for("analytics", database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unavailable")


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
