"""Release building speed: build every due release of a synthetic data set and print timings.

    .venv/bin/python bench/disclosure_bench.py [--per-week 12] [--weeks 26] [--profile]

Uses an SQLite database in a temporary directory (the disclosure engine is arithmetic; the
database only hands it the coded reports).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from portal_common import organisations
from services.analytics import releases, synthetic
from services.analytics.models import Base, Report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-week", type=float, default=12)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    orgs = [o.code for o in organisations.load()]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        first = dt.date(2025, 1, 6)
        rows = list(synthetic.reports(args.seed, orgs, first, args.weeks, args.per_week))
        with sessions.begin() as session:
            for n, row in enumerate(rows):
                session.add(Report(id=f"00000000-0000-4000-8000-{n:012d}", **row))
        last = first + dt.timedelta(weeks=args.weeks)
        index = releases.quarter_index(first)
        profiler = cProfile.Profile() if args.profile else None
        policy = releases.ReleasePolicy()
        today = releases.quarter_end(releases.quarter_index(last)) + dt.timedelta(days=60)
        while releases.quarter_end(index) + dt.timedelta(days=policy.grace_days) < today:
            with sessions.begin() as session:
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                built = releases.build_quarter(session, index, today, policy, orgs)
                if profiler:
                    profiler.disable()
                took = time.perf_counter() - started
            n = sum(1 for r in rows if releases.quarter_index(r["submitted_week"]) == index)
            print(
                f"quarter {releases.quarter_start(index)}: {n} reports, "
                f"{sum(r.cells for r in built)} cells, {sum(r.suppressed for r in built)} [c], "
                f"built in {took:.1f} s ({built[0].method} | {built[1].method})",
                flush=True,
            )
            index += 1
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
