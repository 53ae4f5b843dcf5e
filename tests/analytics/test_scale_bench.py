"""bench/analytics_scale.py runs end to end at a tiny size (figures are its business, not the suite's)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.databases import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_the_scale_bench_runs_and_prints_every_figure(tmp_path):
    output = tmp_path / "figures.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analytics_scale.py"),
            "--reports",
            "3000",
            "--repeat",
            "2",
            "--events",
            "40",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "PORTAL_BENCH_POSTGRES_URL": POSTGRES_URL,
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout
    assert output.read_text(encoding="utf-8").strip() == printed.strip()
    assert "3,000 synthetic coded reports" in printed
    # (b) the quarter and its rolling year were built and protected
    assert re.search(r"build_quarter .*\*\*[\d.]+ s\*\* \(target <= 60 s", printed)
    assert re.search(r"- quarter 2025-10-01 to 2025-12-31: [\d,]+ cells", printed)
    # (a) a row for every dashboard page, each with both figures
    for page in ("overview (headline)", "characteristics", "intersections", "trend by quarter"):
        assert re.search(rf"\| {re.escape(page)} \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", printed), page
    # (c) every event applied exactly once
    assert "40 report.redacted events" in printed and "outcomes {'applied': 40}" in printed
    assert "cpu model:" in printed and "nothing was tuned" in printed
