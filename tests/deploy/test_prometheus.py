"""deploy/prometheus: every alert names only metrics the code exports, and says what to do.

The exported names are collected from real expositions: a web app's /metrics, the relay's
collectors read against the test databases and Redis, and the worker's consuming gauge.
promtool checks the rules too when it is installed (Debian's `prometheus` package); the
suite never depends on it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from portal_common.metrics import WORKER_CONSUMING
from portal_ops import registry
from portal_ops.metrics import RelayMetrics

from ..conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"
RULES = yaml.safe_load((PROM / "alerts.yml").read_text())
ALERTS = [rule for group in RULES["groups"] for rule in group["rules"]]

# PromQL words that are not metric names: functions, operators, aggregations, modifiers.
PROMQL_WORDS = {
    "max", "min", "sum", "avg", "count", "by", "without", "on", "ignoring", "unless", "and", "or",
    "absent", "deriv", "rate", "increase", "min_over_time", "max_over_time", "group_left", "group_right",
    "offset", "bool",
}
BUILTIN = {"up"}  # set by Prometheus for every target


def metric_names(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    grouped = set()
    for clause in re.findall(r"(?:by|on|without|ignoring)\s*\(([^)]*)\)", without_ranges):
        grouped |= {w.strip() for w in clause.split(",")}
    return words - PROMQL_WORDS - grouped


@pytest.fixture
def exported(settings_for, env) -> set[str]:
    app = make_app("intake", settings_for("intake").model_copy(update={"metrics_enabled": True}))
    client = app.test_client()
    client.get("/")
    names = set()
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        names |= {sample.name for sample in family.samples}
    app.extensions["portal"]["engine"].dispose()
    relays = [(svc.name, svc.relay(settings_for(svc.name, "relay"), registry.routing())) for svc in registry.relays()]
    metrics = RelayMetrics(env["PORTAL_REDIS_URL"], relays, env=env)
    for collector in metrics.collectors():
        for family in collector.collect():
            names |= {family.name} | {sample.name for sample in family.samples}
    for family in REGISTRY.collect():  # the redactor's histograms live in every process's registry
        names |= {sample.name for sample in family.samples}
    for _name, relay in relays:
        relay.sessions.kw["bind"].dispose()
    for sessions in metrics._sessions.values():
        sessions.kw["bind"].dispose()
    return names | {WORKER_CONSUMING}


def test_the_four_alerts_the_issue_asks_for_are_there():
    names = {rule["alert"] for rule in ALERTS}
    assert {"PortalDeadLetter", "PortalOutboxBacklogStale", "PortalReportUnconfirmed",
            "PortalQueueWithoutConsumer"} <= names


def test_every_alert_uses_only_exported_metrics(exported):
    assert "portal_http_request_duration_seconds_bucket" in exported
    assert "portal_outbox_oldest_pending_seconds" in exported
    for rule in ALERTS:
        unknown = metric_names(rule["expr"]) - exported - BUILTIN
        assert not unknown, f"{rule['alert']} names metrics nothing exports: {sorted(unknown)}"


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_every_alert_waits_is_labelled_and_explained(rule):
    assert re.fullmatch(r"\d+[smh]", str(rule["for"])), "for: a duration"
    assert rule["labels"]["severity"] in {"page", "warn"}
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_thresholds_match_what_the_issue_asks():
    by_name = {rule["alert"]: rule["expr"] for rule in ALERTS}
    assert by_name["PortalDeadLetter"].endswith("> 0")
    assert by_name["PortalOutboxBacklogStale"].endswith("> 300")  # 5 minutes
    assert by_name["PortalReportUnconfirmed"].endswith(">= 1800")  # 30 minutes


def test_prometheus_config_loads_the_rules_and_scrapes_every_process():
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    for svc in registry.web_services():
        assert f"{svc.name}:8000" in targets
    for svc in registry.workers():
        if svc.queues:
            assert f"{svc.name}-worker:9100" in targets
        if svc.job_queues:
            assert f"{svc.name}-jobs:9100" in targets
    assert "relay:9100" in targets


def promtool() -> str:
    """Debian's promtool, on the PATH or unpacked by scripts/ensure_promtool.sh (make test runs it)."""
    found = shutil.which("promtool") or str(ROOT / ".tools" / "bin" / "promtool")
    assert Path(found).is_file(), "promtool is missing: run scripts/ensure_promtool.sh"
    return found


def test_promtool_accepts_the_rules():
    subprocess.run([promtool(), "check", "rules", str(PROM / "alerts.yml")], check=True)  # noqa: S603


def test_the_alerts_fire_when_they_should_and_not_before():
    """deploy/prometheus/alerts_test.yml: made-up series for each alert, with the times at which
    it must and must not fire (promtool's rule unit tests)."""
    result = subprocess.run(  # noqa: S603
        [promtool(), "test", "rules", "alerts_test.yml"], cwd=PROM, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
