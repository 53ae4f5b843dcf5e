"""Analytics at scale: dashboards read from releases, a quarter's rebuild, event consumption.

    .venv/bin/python bench/analytics_scale.py [--reports 1000000] [--repeat 20] [--events 5000]
    make bench-analytics   # the full size; add ARGS="--reports 20000" for a quick check

On PostgreSQL (a fresh database on the server of PORTAL_BENCH_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test, migrated with analytics' own migrations and
dropped afterwards), with synthetic coded reports from services/analytics/synthetic.py spread
over eight quarters and bulk-loaded with COPY, it prints, side by side:

(a) each dashboard page's p95 (Flask test client, a lead with the system-wide scope signed in
    through a real OpenID Connect provider, oidc-provider-mock on a thread; reading the
    published release) beside the p95 of a naive GROUP BY over report rows that works out the
    same page's raw figures (no disclosure control: the baseline the releases replace);
(b) the time to build one quarter's releases (``releases.build_quarter``: the quarter and the
    rolling year ending with it) for the last quarter of the data, against the 60 s target;
(c) how many report.redacted events one analytics worker process applies a second, through
    the same ``messaging.consume`` and handlers the Celery task uses (inbox row, exactly once),
    in-process into the same PostgreSQL database; target at least 500 a second.

Nothing was tuned on these figures. Not part of the test suite (tests/analytics/test_scale_bench.py
runs it at a tiny size only to prove it runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

FIRST_WEEK = dt.date(2024, 1, 1)  # a Monday: eight quarters, 2024 and 2025
WEEKS = 104
TARGET_REBUILD_S = 60.0
TARGET_EVENTS_PER_S = 500.0
COLUMNS = (
    "id",
    "submitted_week",
    "organisation",
    "experience",
    "characteristics",
    "sources",
    "setting",
    "staff_group",
    "internationally_recruited",
    "occurred_month",
    "impact",
    "raised_formally",
    "themes",
)
JSON_COLUMNS = {"characteristics", "sources", "themes"}


def machine() -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kib = int(line.split()[1])
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": model,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
    }


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


# -- the database --------------------------------------------------------------------------


def postgres_database(base_url: str) -> tuple[str, str]:
    import psycopg

    name = f"analytics_bench_{os.getpid()}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres_database(base_url: str, name: str) -> None:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_reports(engine, count: int, seed: int) -> tuple[int, float]:
    """``count`` synthetic reports over WEEKS weeks, COPYed in batches: (rows, seconds)."""
    from portal_common import organisations
    from services.analytics import synthetic

    codes = [o.code for o in organisations.load()]
    per_week = count / WEEKS * 1.02  # a little over, then cut at exactly ``count``
    rows = itertools.islice(synthetic.reports(seed, codes, FIRST_WEEK, WEEKS + 8, per_week), count)
    started = time.perf_counter()
    loaded = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for batch in iter(lambda: list(itertools.islice(rows, 50_000)), []):
            with cursor.copy(f"COPY reports ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in batch:
                    loaded += 1
                    values: list[Any] = [str(uuid.UUID(int=loaded, version=4))]
                    for column in COLUMNS[1:]:
                        value = row.get(column)
                        values.append(json.dumps(value) if column in JSON_COLUMNS else value)
                    copy.write_row(values)
        raw.commit()
        cursor.execute("ANALYZE reports")
        raw.commit()
    finally:
        raw.close()
    return loaded, time.perf_counter() - started


# -- (a) pages against naive GROUP BY ------------------------------------------------------

PAGES = {
    "overview (headline)": "/",
    "characteristics": "/topics/characteristics",
    "intersections": "/topics/intersections",
    "sources": "/topics/sources",
    "setting": "/topics/setting",
    "staff group": "/topics/staff-group",
    "themes": "/topics/themes",
    "organisations": "/topics/organisations",
    "trend by quarter": "/trend",
}


def naive_queries(start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """What each page would run if it counted report rows itself: the same figures, raw."""
    period = f"submitted_week BETWEEN '{start}' AND '{end}'"
    year_before = (
        f"submitted_week BETWEEN '{start.replace(year=start.year - 1)}' AND '{end.replace(year=end.year - 1)}'"
    )

    def multi(column: str) -> str:
        return f"SELECT v, count(*) FROM reports, json_array_elements_text({column}) AS v WHERE {period} GROUP BY v"

    total = f"SELECT count(*) FROM reports WHERE {period}"
    return {
        "overview (headline)": [total, f"SELECT count(*) FROM reports WHERE {year_before}"],
        "characteristics": [total, multi("characteristics")],
        "intersections": [
            total,
            # pairs named in one report, and each exact combination
            "SELECT a, b, count(*) FROM reports, json_array_elements_text(characteristics) AS a, "
            f"json_array_elements_text(characteristics) AS b WHERE {period} AND a < b GROUP BY a, b",
            f"SELECT characteristics::text, count(*) FROM reports WHERE {period} "
            "AND json_array_length(characteristics) > 1 GROUP BY characteristics::text",
        ],
        "sources": [total, multi("sources")],
        "setting": [total, f"SELECT setting, count(*) FROM reports WHERE {period} GROUP BY setting"],
        "staff group": [total, f"SELECT staff_group, count(*) FROM reports WHERE {period} GROUP BY staff_group"],
        "themes": [total, multi("themes")],
        "organisations": [
            total,
            f"SELECT organisation, count(*) FROM reports WHERE {period} GROUP BY organisation",
        ],
        "trend by quarter": [
            "SELECT date_trunc('quarter', submitted_week), count(*) FROM reports "
            f"WHERE submitted_week <= '{end}' GROUP BY 1 ORDER BY 1"
        ],
    }


class Provider:
    """oidc-provider-mock on a thread, as the test suite's sign-in fixtures run it."""

    def __init__(self) -> None:
        import werkzeug.serving

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import oidc_provider_mock

        self.server = werkzeug.serving.make_server(
            "localhost", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
        )
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        self.url = f"http://localhost:{self.server.server_port}"

    def sign_in(self, client, sub: str, claims: dict[str, Any]) -> None:
        import requests

        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()
        start = client.get("/signin?next=/&go=1")
        if start.status_code != 302:
            raise SystemExit(f"sign-in did not start: {start.status_code}")
        answer = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=5)
        callback = urlsplit(answer.headers["Location"])
        landed = client.get(f"{callback.path}?{callback.query}")
        if landed.status_code != 302:
            raise SystemExit(f"sign-in did not complete: {landed.status_code}")

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


def measure_pages(database_url: str, workdir: Path, repeat: int) -> dict[str, list[float]]:
    from portal_common.crypto import new_key
    from services.analytics.app import create_app
    from services.analytics.settings import AnalyticsWebSettings

    provider = Provider()
    try:
        env = {
            "PORTAL_DATA_DIR": str(workdir),
            "PORTAL_FERNET_KEYS": new_key(),
            "PORTAL_ANALYTICS_DATABASE_URL": database_url,
            "PORTAL_ANALYTICS_SECRET_KEY": secrets.token_urlsafe(40),
            "PORTAL_ANALYTICS_OIDC_CLIENT_SECRET": secrets.token_urlsafe(40),
            "PORTAL_ANALYTICS_OIDC_ISSUER": provider.url,
            # The provider's userinfo round trip is not what is measured here.
            "PORTAL_ANALYTICS_OIDC_RECHECK": "none",
            "PORTAL_LOG_LEVEL": "WARNING",
            # Health checks and rate limits only; nothing is flushed.
            "PORTAL_REDIS_URL": os.environ.get("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/1"),
        }
        app = create_app(AnalyticsWebSettings.from_env(env))
        client = app.test_client()
        claims = {
            "name": "Bench Lead",
            "email": "bench-lead@example.nhs.uk",
            "roles": ["lead"],
            "amr": ["pwd", "otp"],
            "lead_scope": "system",
        }
        provider.sign_in(client, "bench-lead", claims)
        times: dict[str, list[float]] = {}
        for name, path in PAGES.items():
            first = client.get(path)  # warm-up, not counted; also proves the page works
            if first.status_code != 200 or "Reports" not in first.get_data(as_text=True):
                raise SystemExit(f"{path} answered {first.status_code} without figures")
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            times[name] = samples
        app.extensions["portal"]["engine"].dispose()
        return times
    finally:
        provider.stop()


def measure_naive(engine, start: dt.date, end: dt.date, repeat: int) -> dict[str, list[float]]:
    from sqlalchemy import text

    times: dict[str, list[float]] = {}
    with engine.connect() as conn:
        for name, queries in naive_queries(start, end).items():
            for query in queries:  # warm-up
                conn.execute(text(query)).all()
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                for query in queries:
                    conn.execute(text(query)).all()
                samples.append(time.perf_counter() - started)
            times[name] = samples
    return times


# -- (b) one quarter's release -------------------------------------------------------------


def build_last_quarter(sessions) -> tuple[float, list[Any]]:
    from portal_common import organisations
    from portal_common.db import unit_of_work
    from services.analytics import releases

    last_day = FIRST_WEEK + dt.timedelta(weeks=WEEKS - 1)
    index = releases.quarter_index(last_day)
    codes = [o.code for o in organisations.load()]
    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        built = releases.build_quarter(session, index, dt.date.today(), releases.ReleasePolicy(), codes)
        described = [(r.kind, r.starts_on, r.ends_on, r.cells, r.suppressed) for r in built]
    return time.perf_counter() - started, described


# -- (c) event consumption -----------------------------------------------------------------


def redacted_messages(count: int, seed: int) -> list[dict[str, Any]]:
    """report.redacted events shaped as the redactor sends them (the text is a placeholder:
    analytics drops it), for this week."""
    from portal_common import organisations
    from portal_common.events import make_event
    from services.analytics import synthetic

    codes = [o.code for o in organisations.load()]
    today = dt.date.today()
    week = today - dt.timedelta(days=today.weekday())
    messages = []
    for answers in itertools.islice(synthetic.reports(seed, codes, week, 10_000, max(count, 1)), count):
        details = {k: v for k, v in answers.items() if k not in ("submitted_week", "themes")}
        payload = {
            "report_id": uuid.uuid4(),
            "redacted_text": "[redacted for the benchmark]",
            "redacted_help": None,
            "entity_counts": {},
            "themes": answers["themes"],
            "risk": {"score": 0.1, "reasons": [], "needs_review": False},
            "submitted_week": answers["submitted_week"],
            "details": details,
        }
        messages.append(make_event("report.redacted", payload, "redactor").to_message())
    return messages


def measure_consumption(database_url: str, workdir: Path, messages: list[dict[str, Any]]) -> tuple[float, dict]:
    from portal_common.messaging import Runtime, consume
    from portal_ops import registry
    from services.analytics.models import DeadLetter, Inbox
    from services.analytics.settings import AnalyticsWorkerSettings
    from services.analytics.worker import HANDLERS

    settings = AnalyticsWorkerSettings.from_env(
        {"PORTAL_ANALYTICS_DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(workdir), "PORTAL_LOG_LEVEL": "WARNING"}
    )
    runtime = Runtime.build(settings, registry.routing(), Inbox, DeadLetter)
    task = SimpleNamespace(name="analytics.bench", request=SimpleNamespace(retries=0))
    outcomes: dict[str, int] = {}
    try:
        started = time.perf_counter()
        for message in messages:
            outcome = consume(task, runtime, message, HANDLERS)  # type: ignore[arg-type]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        elapsed = time.perf_counter() - started
    finally:
        runtime.engine.dispose()
    return elapsed, outcomes


# -- the report ----------------------------------------------------------------------------


def run(args: argparse.Namespace, out: Callable[[str], None]) -> None:
    import logging

    from portal_common.db import make_engine, make_session_factory
    from portal_ops.migrate import upgrade

    logging.disable(logging.WARNING)  # the consumer logs every event at INFO; not part of the figure
    pg_base = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    workdir = Path(tempfile.mkdtemp(prefix="analytics-bench-"))
    database_url, name = postgres_database(pg_base)
    engine = None
    try:
        upgrade("analytics", database_url)
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)

        out("## Machine")
        for key, value in machine().items():
            out(f"- {key}: {value}")
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        out(
            f"- database: PostgreSQL {version}, "
            f"a fresh database ({name}) on {urlsplit(pg_base).hostname}, default server settings"
        )
        out("- shared with other work on the same machine at the time; nothing was tuned on these figures")

        loaded, seconds = load_reports(engine, args.reports, args.seed)
        out("\n## Data")
        out(
            f"- {loaded:,} synthetic coded reports (services/analytics/synthetic.py, seed {args.seed}), "
            f"{WEEKS} weeks from {FIRST_WEEK} (eight quarters), loaded with COPY in {seconds:.1f} s"
        )
        out("- no follow-up notes; the demo organisation list (portal_common.organisations)")

        out("\n## (c) Event consumption, one analytics worker process")
        messages = redacted_messages(args.events, args.seed + 1)
        elapsed, outcomes = measure_consumption(database_url, workdir, messages)
        rate = len(messages) / elapsed if elapsed else float("inf")
        out(
            f"{len(messages):,} report.redacted events through messaging.consume with the worker's handlers "
            f"(one transaction each, inbox row included) into the {loaded:,}-report database: "
            f"**{rate:,.0f} events/s** (target >= {TARGET_EVENTS_PER_S:.0f}/s: "
            f"{'met' if rate >= TARGET_EVENTS_PER_S else 'NOT met'}); outcomes {outcomes}"
        )
        out(
            "Not included: taking the message off Redis (Celery) and the report.stored confirmation "
            "published after each commit."
        )

        out("\n## (b) Release rebuild for one quarter")
        build_s, described = build_last_quarter(sessions)
        out(
            f"releases.build_quarter for the last quarter (the quarter and its rolling year): **{build_s:.1f} s** "
            f"(target <= {TARGET_REBUILD_S:.0f} s: {'met' if build_s <= TARGET_REBUILD_S else 'NOT met'})"
        )
        for kind, starts, ends, cells, suppressed in described:
            out(f"- {kind} {starts} to {ends}: {cells:,} cells, {suppressed:,} suppressed")

        out(f"\n## (a) Dashboard pages (p95 of {args.repeat} requests each) vs a naive GROUP BY per page")
        release = described[0]
        pages = measure_pages(database_url, workdir, args.repeat)
        naive = measure_naive(engine, release[1], release[2], args.repeat)
        out("| page | page from the release: p50 ms | p95 ms | naive GROUP BY over report rows: p50 ms | p95 ms |")
        out("|---|---:|---:|---:|---:|")
        for page in PAGES:
            a, b = pages[page], naive[page]
            out(
                f"| {page} | {statistics.median(a) * 1000:.1f} | {p95(a) * 1000:.1f} | "
                f"{statistics.median(b) * 1000:.1f} | {p95(b) * 1000:.1f} |"
            )
        every_page = [t for samples in pages.values() for t in samples]
        every_naive = [t for samples in naive.values() for t in samples]
        out(
            f"| **all pages** | {statistics.median(every_page) * 1000:.1f} | **{p95(every_page) * 1000:.1f}** | "
            f"{statistics.median(every_naive) * 1000:.1f} | **{p95(every_naive) * 1000:.1f}** |"
        )
        out(
            "The page figures include rendering the HTML and every SVG chart (Altair + vl-convert), "
            "the naive ones only the SQL (raw counts, no disclosure control, no rendering)."
        )

    finally:
        if engine is not None:
            engine.dispose()
        drop_postgres_database(pg_base, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="synthetic reports to load")
    parser.add_argument("--repeat", type=int, default=20, help="requests (and naive queries) per page")
    parser.add_argument("--events", type=int, default=5_000, help="events to feed the consumer")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--output", type=Path, help="also write the results (Markdown) to this file")
    args = parser.parse_args()
    lines: list[str] = []

    def out(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    run(args, out)
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
