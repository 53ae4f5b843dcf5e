"""Workers and the relay serve their metrics while they run, as Prometheus scrapes them:
the queues each worker consumes, the redactor's batches (summed over a prefork pool through
PROMETHEUS_MULTIPROC_DIR, as in production), and the relay's view of queues and outboxes."""

from __future__ import annotations

import sys
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.intake.models import COMPLETE, Submission

from ..support.processes import free_port, wait_for

pytestmark = [pytest.mark.pipeline]


def scrape(port: int) -> dict[tuple[str, tuple], float] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:  # noqa: S310
            text = response.read().decode()
    except OSError:
        return None
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _spawn_with_port(stack, name: str, start, port: int, **extra: str) -> None:
    saved = dict(stack.env)
    stack.env.update({"PORTAL_METRICS_PORT": str(port), "PORTAL_METRICS_BIND": "127.0.0.1", **extra})
    start()
    stack.env.clear()
    stack.env.update(saved)


def test_workers_and_relay_serve_their_metrics(env, intake_app, stack_factory, count_rows, tmp_path):
    stack = stack_factory({**env, "PORTAL_RESEND_INTERVAL": "600"})  # each report redacted once: no re-send
    ports = {name: free_port() for name in ("intake", "analytics", "training", "redactor", "relay")}
    for service in ("intake", "analytics", "training"):
        _spawn_with_port(stack, service, lambda s=service: stack.start_worker(s), ports[service])
    multiproc = tmp_path / "prometheus-redactor"
    multiproc.mkdir()
    redactor_cmd = [
        sys.executable, "-m", "celery", "-A", "portal_ops.workers:redactor", "worker",
        "-Q", "redactor.events,redaction.preview", "-c", "1", "-P", "prefork",
        "-n", f"redactor-{time.monotonic_ns()}@test",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
    ]
    _spawn_with_port(stack, "redactor", lambda: stack._spawn("redactor-worker", redactor_cmd), ports["redactor"],
                     PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    _spawn_with_port(stack, "relay", stack.start_relay, ports["relay"])

    for service in ("intake", "analytics", "training", "redactor"):
        wait_for(lambda s=service: scrape(ports[s]) is not None, 90, message=f"{service} worker metrics")
    consuming = scrape(ports["redactor"])
    assert consuming is not None
    assert consuming[("portal_worker_consuming", (("queue", "redactor.events"), ("service", "redactor")))] == 1
    assert consuming[("portal_worker_consuming", (("queue", "redaction.preview"), ("service", "redactor")))] == 1
    analytics = scrape(ports["analytics"])
    assert analytics is not None
    assert analytics[("portal_worker_consuming", (("queue", "analytics.events"), ("service", "analytics")))] == 1

    client = intake_app.test_client()
    accounts = [f"Report {n}: my manager Priya Shah talked over me again." for n in range(3)]
    for account in accounts:
        assert client.post("/api/v1/reports", json={"account": account}).status_code == 202
    wait_for(lambda: count_rows("intake", Submission, status=COMPLETE) == 3, 120, message="all complete")

    redactor = scrape(ports["redactor"])
    assert redactor is not None
    assert redactor[("portal_redaction_batch_size_sum", ())] == 3  # every report in some batch
    assert redactor[("portal_redaction_batch_duration_seconds_count", ())] >= 1
    assert redactor[("portal_redaction_reports_total", (("outcome", "redacted"),))] == 3
    assert any(multiproc.iterdir()), "the pool's process wrote its samples where the main process reads them"

    relay = scrape(ports["relay"])
    assert relay is not None
    assert relay[("portal_relay_up", (("service", "intake"),))] == 1
    assert relay[("portal_outbox_pending", (("service", "intake"),))] == 0
    assert relay[("portal_intake_unconfirmed_reports", ())] == 0
    assert relay[("portal_queue_messages", (("queue", "redactor.events"),))] == 0
    text = "\n".join(f"{name} {labels}" for name, labels in relay) + "\n".join(
        f"{name} {labels}" for name, labels in redactor
    )
    assert "Priya" not in text and "manager" not in text
