"""Every web app times its requests by endpoint name and serves them at /metrics when told to.

A path can hold a receipt code or an id, so the exposition must name the route, never the path.
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..conftest import make_app

WEB = ("intake", "analytics", "training", "accounts")
SECRET_LOOKING = "QX7K-M2PD-9TRV"  # shaped like a receipt code


@pytest.fixture
def client_for(settings_for):
    apps = []

    def _client(service: str, **overrides):
        app = make_app(service, settings_for(service).model_copy(update=overrides))
        app.config["TESTING"] = True
        apps.append(app)
        return app.test_client()

    yield _client
    for app in apps:
        app.extensions["portal"]["engine"].dispose()


def samples(text: str, name: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def count_for(text: str, **labels: str) -> float:
    wanted = tuple(sorted(labels.items()))
    return samples(text, "portal_http_request_duration_seconds_count").get(wanted, 0.0)


def test_intake_requests_are_counted_by_endpoint_never_by_path(client_for):
    client = client_for("intake", metrics_enabled=True)
    before = client.get("/metrics").get_data(as_text=True)
    start = dict(service="intake", endpoint="pages.start", method="GET", status="2xx")
    missing = dict(service="intake", endpoint="unmatched", method="GET", status="4xx")
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get(f"/receipt/{SECRET_LOOKING}").status_code == 404
    assert client.get(f"/topics/{SECRET_LOOKING}?code={SECRET_LOOKING}").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    assert count_for(text, **start) == count_for(before, **start) + 2
    assert count_for(text, **missing) == count_for(before, **missing) + 2
    assert SECRET_LOOKING not in text
    assert "/receipt" not in text and "/topics" not in text
    # A histogram: buckets by endpoint, so latency percentiles per route can be drawn.
    buckets = samples(text, "portal_http_request_duration_seconds_bucket")
    assert any(dict(key).get("endpoint") == "pages.start" and dict(key).get("le") == "+Inf" for key in buckets)


def test_a_refused_form_is_counted_under_its_endpoint(client_for):
    client = client_for("intake", metrics_enabled=True)
    client.post("/report/check", data={"account": "x"})  # no CSRF token: refused
    text = client.get("/metrics").get_data(as_text=True)
    labels = [dict(key) for key in samples(text, "portal_http_request_duration_seconds_count")]
    wanted = {"service": "intake", "endpoint": "report.check", "method": "POST", "status": "4xx"}
    assert wanted in labels


@pytest.mark.parametrize("service", WEB)
def test_metrics_are_off_unless_enabled(client_for, service):
    assert client_for(service).get("/metrics").status_code == 404


@pytest.mark.parametrize("service", ["analytics", "training", "accounts"])
def test_staff_services_serve_metrics_without_a_session(client_for, service):
    client = client_for(service, metrics_enabled=True)
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert count_for(text, service=service, endpoint="health.healthz", method="GET", status="2xx") >= 1
    assert "Set-Cookie" not in response.headers
