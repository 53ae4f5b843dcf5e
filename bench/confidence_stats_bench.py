"""How long the hub takes to compute its before/after confidence statistics and the evaluation
report's figures for 10,000 learners on PostgreSQL (target: at most 1 s each).

    .venv/bin/python bench/confidence_stats_bench.py [--learners 10000] [--cohorts 40] [--repeat 5]

It makes a schema of its own in the test database (PORTAL_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates training into it, fills it with
synthetic learners (every one answers "before"; nine in ten "after"; one in five the follow-up;
half complete the hub; each is in one cohort), times ``confidence_stats.report`` and
``evaluation.figures`` and prints the figures, then drops the schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal_ops.migrate import upgrade  # noqa: E402
from services.training import confidence_stats, evaluation  # noqa: E402
from services.training.curriculum import FIVE_DS, load_curriculum  # noqa: E402
from services.training.measures import load_instrument  # noqa: E402
from services.training.models import (  # noqa: E402
    CheckResult,
    Cohort,
    CohortMember,
    ConfidenceResponse,
    ModuleCompletion,
    ScenarioRun,
)

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fill(session: Session, learners: int, cohorts: int, rng: random.Random) -> None:
    curriculum, instrument = load_curriculum(), load_instrument()
    day = dt.date(2026, 3, 2)
    cohort_ids = []
    for n in range(cohorts):
        cohort = Cohort(name=f"Cohort {n + 1}", join_code=f"B{n:05d}", created_on=day, closed=False)
        session.add(cohort)
        session.flush()
        cohort_ids.append(cohort.id)
    responses, members, reads, checks, runs = [], [], [], [], []
    d_modules = [m for m in curriculum.modules if m.d in FIVE_DS]
    for n in range(learners):
        learner = f"{n:064x}"
        before = {i.id: rng.randint(1, 4) for i in instrument.items}
        responses.append(dict(learner=learner, stage="before", instrument_version=instrument.version,
                              answered_on=day, scores=before, acted=None, ds_used=[]))
        if rng.random() < 0.9:
            after = {k: max(1, min(5, v + rng.choice((-1, 0, 0, 1, 1, 2)))) for k, v in before.items()}
            responses.append(dict(learner=learner, stage="after", instrument_version=instrument.version,
                                  answered_on=day, scores=after, acted=None, ds_used=[]))
        if rng.random() < 0.2:
            acted = rng.choice(("yes", "no", "not_sure"))
            responses.append(dict(learner=learner, stage="follow_up", instrument_version=instrument.version,
                                  answered_on=day, scores=before, acted=acted,
                                  ds_used=rng.sample(FIVE_DS, 2) if acted == "yes" else []))
        members.append(dict(cohort_id=rng.choice(cohort_ids), learner=learner, joined_on=day))
        reads.append(dict(learner=learner, module_id=curriculum.modules[0].id, content_version=1, completed_on=day))
        if n % 2 == 0:
            checks += [dict(learner=learner, module_id=m.id, content_version=m.version, attempts=1, best_score=3,
                            out_of=3, passed=True, passed_on=day) for m in d_modules]
            runs += [dict(learner=learner, scenario_id=s.id, content_version=s.version, current_step="end",
                          status="finished", ending="end", started_on=day, finished_on=day)
                     for s in curriculum.scenarios]
    for model, rows in ((ConfidenceResponse, responses), (CohortMember, members), (ModuleCompletion, reads),
                        (CheckResult, checks), (ScenarioRun, runs)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    session.commit()


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = create_engine(url)
    try:
        upgrade("training", url)
        with Session(engine) as session:
            started = time.perf_counter()
            fill(session, args.learners, args.cohorts, random.Random(11))
            print(f"filled {args.learners} learners in {args.cohorts} cohorts in {time.perf_counter() - started:.1f} s")
        curriculum, instrument = load_curriculum(), load_instrument()
        with Session(engine) as session:
            found = confidence_stats.report(session, instrument)
            print(f"pairs: {found.overall.rows[0].pairs}; overall median change {found.overall.rows[0].median_change},"
                  f" r = {found.overall.rows[0].r}, rank-biserial {found.overall.rows[0].rank_biserial}")
            stats_times = timed(lambda: confidence_stats.report(session, instrument), args.repeat)
            figure_times = timed(lambda: evaluation.figures(session, curriculum, instrument), args.repeat)
        for name, times in (("confidence statistics (all learners, 40 cohorts, 6 measures each)", stats_times),
                            ("evaluation report figures (including the statistics)", figure_times)):
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
                  f"over {args.repeat} runs (target <= 1000 ms)")
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
