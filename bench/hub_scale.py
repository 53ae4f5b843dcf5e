"""The hub at scale on PostgreSQL: page p95 for learners and trainers, and the statistics' time.

    .venv/bin/python bench/hub_scale.py [--learners 10000] [--choices 100000] [--requests 200]

Builds a fresh schema on PORTAL_BENCH_POSTGRES_URL (default the test server,
postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates training into it and fills it
with synthetic learners who read modules, take knowledge checks and play the real scenarios
along random paths through their graphs until the wanted number of choices is recorded.
Then, in one process through Flask's test client (no network, no web server: this measures
the app and the database, not gunicorn), it signs in by inserting staff sessions (the
per-request userinfo check is off: `PORTAL_TRAINING_OIDC_RECHECK=none`) and times:

- the hub's home page and a learner's progress page (learners chosen at random);
- the trainers' choices page (every scenario's k-safe table over all the choices);
- the pre/post confidence statistics (confidence_stats.report) over before/after answers generated
  for the same learners, each in one of 40 cohorts (target <= 1 s).

Prints the machine, the data and p50/p95/max per page against the 100 ms target. The schema
is dropped afterwards. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal_common.crypto import new_key  # noqa: E402
from portal_common.signin import SESSION_KEY, hash_token  # noqa: E402
from portal_ops.migrate import upgrade  # noqa: E402
from services.training import confidence_stats, learning  # noqa: E402
from services.training.app import create_app  # noqa: E402
from services.training.curriculum import FIVE_DS, load_curriculum  # noqa: E402
from services.training.measures import ACTED, AFTER, BEFORE, FOLLOW_UP, load_instrument  # noqa: E402
from services.training.models import (  # noqa: E402
    CheckResult,
    Cohort,
    CohortMember,
    ConfidenceResponse,
    ModuleCompletion,
    ScenarioChoice,
    ScenarioRun,
    StaffSession,
)
from services.training.settings import TrainingWebSettings  # noqa: E402

POSTGRES = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_MS = 100.0
STATS_TARGET_MS = 1000.0
BATCH = 5000


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")) / 1024 / 1024
        memory = f"{mem:.1f} GiB RAM"
    except (OSError, StopIteration):
        memory = "RAM unknown"
    return f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, {memory}, Python {platform.python_version()}"


def fill(engine, secret: str, learners: int, wanted_choices: int, rng: random.Random) -> dict[str, int]:
    """Synthetic learners over the real curriculum; returns the row counts."""
    content = load_curriculum()
    start = dt.date.today() - dt.timedelta(days=365)
    keys = [learning.learner_key(secret, f"bench-learner-{i}") for i in range(learners)]
    completions, checks = [], []
    for key in keys:
        read = rng.randint(0, len(content.modules))
        for module in content.modules[:read]:
            day = start + dt.timedelta(days=rng.randint(0, 360))
            completions.append({"learner": key, "module_id": module.id, "content_version": module.version,
                                "completed_on": day})
            passed = rng.random() < 0.8
            checks.append({"learner": key, "module_id": module.id, "content_version": module.version,
                           "attempts": rng.randint(1, 3), "best_score": len(module.check.questions) if passed else 1,
                           "out_of": len(module.check.questions), "passed": passed,
                           "passed_on": day if passed else None})
    runs, choices = [], []
    run_id = 0
    while len(choices) < wanted_choices:
        key = rng.choice(keys)
        scenario = rng.choice(content.scenarios)
        day = start + dt.timedelta(days=rng.randint(0, 360))
        monday = day - dt.timedelta(days=day.weekday())
        run_id += 1
        step = scenario.step(scenario.start)
        assert step is not None
        while step is not None and not step.is_ending and len(choices) < wanted_choices:
            choice = rng.choice(step.choices)
            choices.append({"run_id": run_id, "learner": key, "scenario_id": scenario.id,
                            "content_version": scenario.version, "step_id": step.id, "choice_id": choice.id,
                            "d_tag": choice.d, "chosen_week": monday})
            step = scenario.step(choice.next)
        finished = step is not None and step.is_ending
        runs.append({"id": run_id, "learner": key, "scenario_id": scenario.id, "content_version": scenario.version,
                     "current_step": step.id if step else scenario.start,
                     "status": "finished" if finished else "open", "ending": step.id if finished and step else None,
                     "started_on": day, "finished_on": day if finished else None})
    with engine.begin() as conn:
        for model, rows in ((ModuleCompletion, completions), (CheckResult, checks), (ScenarioRun, runs),
                            (ScenarioChoice, choices)):
            for i in range(0, len(rows), BATCH):
                conn.execute(insert(model), rows[i : i + BATCH])
        conn.execute(text("SELECT setval(pg_get_serial_sequence('scenario_runs', 'id'), :n)"), {"n": run_id})
    # The choices were inserted in bulk, not through learning.choose: derive the trainers' summary
    # counts from them as migration 0012 does.
    with Session(engine) as session, session.begin():
        learning.rebuild_choice_counts(session)
    # What autovacuum would have done by the time this much data had built up: statistics, and the
    # visibility map that lets counts come from an index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"learners": learners, "module_completions": len(completions), "check_results": len(checks),
            "scenario_runs": len(runs), "scenario_choices": len(choices)}


def signed_in_client(app, engine, subject: str, roles: str):
    token = secrets.token_urlsafe(32)
    minute = int(time.time() // 60)
    with engine.begin() as conn:
        conn.execute(insert(StaffSession), [{
            "id": hash_token(token), "subject": subject, "display_name": "Bench", "email": "", "roles": roles,
            "lead_scope": None, "amr": "pwd", "access_token": None, "id_token": None, "provider_sid": None,
            "started_minute": minute, "seen_minute": minute, "ended": False,
        }])
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
        session["_fresh"] = True
    return client


def timed(client_for, path: str, n: int) -> list[float]:
    times = []
    for i in range(n + 5):
        client = client_for()
        began = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        if i >= 5:  # warm-up
            times.append(elapsed)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--choices", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (after 5 warm-up)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards (to EXPLAIN queries)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    schema = f"bench_hub_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}options=-csearch_path%3D{schema}"
    secret = secrets.token_urlsafe(40)
    try:
        upgrade("training", url)
        engine = create_engine(url)
        began = time.perf_counter()
        counts = fill(engine, secret, args.learners, args.choices, rng)
        fill_seconds = time.perf_counter() - began
        env = {
            "PORTAL_TRAINING_DATABASE_URL": url,
            "PORTAL_TRAINING_SECRET_KEY": secret,
            "PORTAL_TRAINING_OIDC_ISSUER": "http://127.0.0.1:9",
            "PORTAL_TRAINING_OIDC_CLIENT_SECRET": secrets.token_urlsafe(40),
            "PORTAL_TRAINING_OIDC_RECHECK": "none",
            "PORTAL_FERNET_KEYS": new_key(),
            "PORTAL_REDIS_URL": os.environ.get("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/1"),
            "PORTAL_LOG_LEVEL": "WARNING",
        }
        app = create_app(TrainingWebSettings.from_env(env))
        learners = [signed_in_client(app, engine, f"bench-learner-{rng.randrange(args.learners)}", "learner")
                    for _ in range(20)]
        trainer = signed_in_client(app, engine, "bench-trainer", "learner trainer")
        results = {
            "hub home (/)": timed(lambda: rng.choice(learners), "/", args.requests),
            "progress (/progress)": timed(lambda: rng.choice(learners), "/progress", args.requests),
            "trainers' choices (/trainers/choices)": timed(lambda: trainer, "/trainers/choices", args.requests),
        }
        content = load_curriculum()
        table_times = []
        with app.app_context():
            sessions = app.extensions["portal"]["sessions"]
            for _ in range(10):
                with sessions() as session:
                    began = time.perf_counter()
                    for scenario in content.scenarios:
                        learning.d_table(session, scenario)
                    table_times.append((time.perf_counter() - began) * 1000)
        stats_lines = stats_timing(app, engine, secret, args.learners, 10, rng)
    finally:
        if args.keep:
            print(f"Kept schema {schema}: drop it with DROP SCHEMA \"{schema}\" CASCADE")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Machine: {machine()}; load average at the end {load} (1/5/15 min: other work shares the CPUs)")
    print(f"Database: PostgreSQL {server_version()} on {POSTGRES.split('@')[-1]} (schema dropped afterwards)")
    print("Data: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
          + f" (filled in {fill_seconds:.0f} s; seed {args.seed})")
    print(f"Requests: {args.requests} timed per page after 5 warm-up, one process, Flask test client\n")
    print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 <= {TARGET_MS:.0f} ms")
    for name, times in results.items():
        verdict = "ok" if p95(times) <= TARGET_MS else "OVER"
        print(f"{name:42} {statistics.median(times):8.1f} {p95(times):8.1f} {max(times):8.1f}  {verdict}")
    print(f"\nThe choices tables alone (all {len(content.scenarios)} scenarios, 10 runs): "
          f"median {statistics.median(table_times):.1f} ms, max {max(table_times):.1f} ms")
    print("\n".join(stats_lines))
    return 0


def server_version() -> str:
    engine = create_engine(POSTGRES)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


STATS_COHORTS = 40


def fill_confidence(engine, secret: str, learners: int, rng: random.Random) -> dict[str, int]:
    """Before/after confidence answers for the bench's learners: every one answers "before", nine in
    ten "after" (mostly a little more confident), one in five the follow-up; each is in one of
    STATS_COHORTS cohorts. Returns the row counts."""
    instrument = load_instrument()
    values = sorted(instrument.values)
    low, high = values[0], values[-1]
    day = dt.date.today()
    keys = [learning.learner_key(secret, f"bench-learner-{i}") for i in range(learners)]
    with engine.begin() as conn:
        cohort_ids = [
            conn.execute(insert(Cohort).returning(Cohort.id), {
                "name": f"Bench cohort {n + 1}", "join_code": f"BENCH{n:05d}", "created_on": day, "closed": False,
            }).scalar_one()
            for n in range(STATS_COHORTS)
        ]
    responses, members = [], []
    for key in keys:
        before = {i.id: rng.randint(low, high - 1) for i in instrument.items}
        responses.append({"learner": key, "stage": BEFORE, "instrument_version": instrument.version,
                          "answered_on": day, "scores": before, "acted": None, "ds_used": []})
        if rng.random() < 0.9:
            after = {k: max(low, min(high, v + rng.choice((-1, 0, 0, 1, 1, 2)))) for k, v in before.items()}
            responses.append({"learner": key, "stage": AFTER, "instrument_version": instrument.version,
                              "answered_on": day, "scores": after, "acted": None, "ds_used": []})
        if rng.random() < 0.2:
            acted = rng.choice(ACTED)
            responses.append({"learner": key, "stage": FOLLOW_UP, "instrument_version": instrument.version,
                              "answered_on": day, "scores": before, "acted": acted,
                              "ds_used": rng.sample(FIVE_DS, 2) if acted == "yes" else []})
        members.append({"cohort_id": rng.choice(cohort_ids), "learner": key, "joined_on": day})
    with engine.begin() as conn:
        for model, rows in ((ConfidenceResponse, responses), (CohortMember, members)):
            for i in range(0, len(rows), BATCH):
                conn.execute(insert(model), rows[i : i + BATCH])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE confidence_responses"))
        conn.execute(text("VACUUM ANALYZE cohort_members"))
    return {"confidence_responses": len(responses), "cohort_members": len(members)}


def stats_timing(app, engine, secret: str, learners: int, runs: int, rng: random.Random) -> list[str]:
    """confidence_stats.report (what /evaluation/confidence and its downloads compute) over the
    bench's learners' before/after answers, timed ``runs`` times after one warm-up."""
    counts = fill_confidence(engine, secret, learners, rng)
    instrument = load_instrument()
    sessions = app.extensions["portal"]["sessions"]
    times = []
    with app.app_context():
        for i in range(runs + 1):
            with sessions() as session:
                began = time.perf_counter()
                found = confidence_stats.report(session, instrument)
                elapsed = (time.perf_counter() - began) * 1000
            if i:
                times.append(elapsed)
    overall = found.overall.rows[0]
    verdict = "ok" if max(times) <= STATS_TARGET_MS else "OVER"
    return [
        f"Pre/post confidence statistics (confidence_stats.report): {counts['confidence_responses']:,} answers "
        f"from {learners:,} learners in {STATS_COHORTS} cohorts, {overall.pairs} pairs overall",
        f"  {runs} runs after 1 warm-up: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms; "
        f"target <= {STATS_TARGET_MS:.0f} ms: {verdict}",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
