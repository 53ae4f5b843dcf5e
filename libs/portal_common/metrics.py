"""Prometheus metrics: what every web app, worker and the relay expose (docs/operations.md).

Privacy rules for every metric here:

- Label values come from fixed sets the code owns: a service name, a queue name from the
  registry, a Flask endpoint name (``report.form``, never the path: receipt codes and ids
  live in paths), an HTTP method and a status class (``2xx``). Nothing a person typed, no
  address, no user agent.
- No metric carries a timestamp of a report. Ages are measured by the process that reports
  them, in memory, from when it first saw a row (the rows themselves keep only a Monday or
  a counter of sweeps, ADR 0004).

Web apps serve ``/metrics`` only when ``PORTAL_METRICS_ENABLED`` is true (404 otherwise);
the proxy in front never forwards it, Prometheus scrapes the pods directly. Workers and the
relay serve their metrics on ``PORTAL_METRICS_PORT`` (0, the default, serves nothing).
Under gunicorn or a prefork Celery pool, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder
per container) so every process's samples are added up; see docs/operations.md.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from celery import Celery
from flask import Blueprint, Flask, Response, abort, g, request

# prometheus-client writes each process's samples under PROMETHEUS_MULTIPROC_DIR from the
# moment a metric exists (at import): a folder that is named but missing would stop the process.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import (  # noqa: E402 - after the folder exists
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402
from pydantic import Field  # noqa: E402

from .settings import PortalSettings, shared  # noqa: E402

log = logging.getLogger("portal.metrics")

# The one prefix every metric of the product carries.
PREFIX = "portal"

REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer a request, by service, Flask endpoint name, method and status class.",
    ("service", "endpoint", "method", "status"),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REDACTION_SECONDS = Histogram(
    f"{PREFIX}_redaction_batch_duration_seconds",
    "Time the redactor took to redact one batch of reports (model pass only).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
REDACTION_BATCH = Histogram(
    f"{PREFIX}_redaction_batch_size",
    "Reports in each batch the redactor handled.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
REDACTION_OUTCOMES = Counter(
    f"{PREFIX}_redaction_reports",
    "Reports the redactor handled, by outcome (redacted; publish_failed: its result went back on the queue "
    "or to the dead letters; dead_lettered: the batch failed).",
    ("outcome",),
)

# Served by every worker while it runs (see serve_worker_metrics).
WORKER_CONSUMING = f"{PREFIX}_worker_consuming"

# A status code becomes one of these five; anything else (a proxy's odd code) is "other".
_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


class MetricsSettings(PortalSettings):
    """Whether this process exposes Prometheus metrics, and where."""

    metrics_enabled: bool = Field(
        False,
        validation_alias=shared("PORTAL_METRICS_ENABLED"),
        description="Web apps: serve Prometheus metrics at `/metrics` (404 when false). Keep the path off the "
        "public proxy: the bundled nginx never forwards it; Prometheus scrapes the pods directly.",
    )
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        validation_alias=shared("PORTAL_METRICS_PORT"),
        description="Workers and the relay: port of their Prometheus metrics server (0: none).",
    )
    prometheus_multiproc_dir: str = Field(
        "",
        validation_alias=shared("PROMETHEUS_MULTIPROC_DIR"),
        description="Read by prometheus-client itself: a folder, empty when the container starts, where the "
        "processes of a gunicorn or prefork Celery pool write their samples so `/metrics` adds them up. "
        "Unset: each process reports only its own (fine with one process).",
    )
    metrics_bind: str = Field(
        "0.0.0.0",  # noqa: S104 - inside a container; the port is not published by the proxy
        validation_alias=shared("PORTAL_METRICS_BIND"),
        description="Workers and the relay: address their metrics server listens on.",
    )


def status_class(code: int) -> str:
    return _STATUS_CLASSES.get(code // 100, "other")


def exposition_registry() -> CollectorRegistry:
    """The registry to expose: every process's samples under ``PROMETHEUS_MULTIPROC_DIR``, else this one's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def install_web_metrics(app: Flask, service: str, enabled: bool) -> None:
    """Time every request by endpoint name; serve ``/metrics`` when ``enabled``."""

    @app.before_request
    def _start_timer():
        g._metrics_started = time.perf_counter()

    @app.teardown_request
    def _observe(_exc):
        started = g.pop("_metrics_started", None)
        if started is None:
            return
        # The endpoint's name from the URL map; a path that matched no route is "unmatched".
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        response_status = g.pop("_metrics_status", 500)
        REQUEST_SECONDS.labels(service, endpoint, _method(request.method), status_class(response_status)).observe(
            time.perf_counter() - started
        )

    @app.after_request
    def _keep_status(response):
        g._metrics_status = response.status_code
        return response

    bp = Blueprint("metrics", __name__)

    @bp.get("/metrics")
    def metrics():
        if not enabled:
            abort(404)
        body = generate_latest(exposition_registry())
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})

    app.register_blueprint(bp)


def _method(method: str) -> str:
    return method if method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else "other"


class FunctionCollector(Collector):
    """Gauges read when Prometheus scrapes: ``read()`` yields (name, help, labels, samples).

    ``samples`` is a list of (label values, value). A failing read is counted in
    ``portal_metrics_read_errors`` (by collector) and leaves that gauge out of this scrape,
    so a database that is down never breaks the rest of the exposition.
    """

    def __init__(self, name: str, read: Callable[[], Iterable[tuple[str, str, tuple[str, ...], list]]]):
        self.name = name
        self.read = read

    def collect(self):
        try:
            families = list(self.read())
        except Exception as exc:  # noqa: BLE001 - any failure: report it as a count, never its text
            READ_ERRORS.labels(self.name).inc()
            log.warning("metrics read failed", extra={"collector": self.name, "error": type(exc).__name__})
            return
        for name, help_text, labels, samples in families:
            family = GaugeMetricFamily(name, help_text, labels=list(labels))
            for values, value in samples:
                family.add_metric(list(values), value)
            yield family


READ_ERRORS = Counter(
    f"{PREFIX}_metrics_read_errors",
    "Scrapes in which a collector could not read its source (database or broker), by collector.",
    ("collector",),
)


def serve(settings: Any, collectors: Iterable[Collector] = ()) -> Any:
    """Start this process's metrics server when ``settings.metrics_port`` is set.

    Returns the server (or None). ``collectors`` are registered on the exposed registry.
    """
    port = int(getattr(settings, "metrics_port", 0) or 0)
    if not port:
        return None
    shared = exposition_registry()
    registry = CollectorRegistry()
    # The collectors first: a read that fails in this scrape is already in its error count.
    for collector in collectors:
        registry.register(collector)
    registry.register(_Forward(shared))
    server, _thread = start_http_server(port, addr=str(getattr(settings, "metrics_bind", "0.0.0.0")), registry=registry)  # noqa: S104
    log.info("metrics served", extra={"port": port})
    return server


class _Forward(Collector):
    """The process's default registry, seen from another registry."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self):
        yield from self.source.collect()


def serve_worker_metrics(app: Celery, service: str, settings: Callable[[], Any]) -> None:
    """When this Celery app's worker is ready, serve its metrics on ``PORTAL_METRICS_PORT``:
    ``portal_worker_consuming{service, queue}`` (1 for each queue it consumes: scraped only
    while the worker runs, so its absence says no one consumes the queue) and whatever the
    pool's processes record (the redactor's batches) under ``PROMETHEUS_MULTIPROC_DIR``."""
    from celery.signals import worker_ready

    @worker_ready.connect(weak=False)
    def _ready(sender: Any = None, **_kw: Any) -> None:
        mine: Any = app  # (a Celery app: typed Any for its dynamic attributes)
        if sender is None or getattr(sender, "app", None) is not app:
            return
        known: Any = mine.amqp.queues
        queues = sorted(known.consume_from or known)

        def read() -> Iterable[tuple[str, str, tuple[str, ...], list]]:
            yield (
                WORKER_CONSUMING,
                "1 for each queue this worker consumes, while it runs.",
                ("service", "queue"),
                [((service, queue), 1) for queue in queues],
            )

        try:
            serve(settings(), [FunctionCollector("worker", read)])
        except OSError as exc:  # the port is taken: the worker still works, unobserved
            log.warning("metrics not served", extra={"error": type(exc).__name__})
