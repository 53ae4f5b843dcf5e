"""Releases are built once per quarter, protected, and survive an attack on everything published.

The audit here is the one the issue asks for: from what a lead can see for a period (every
table, margin and organisation view of the quarter and rolling-year releases, and the
earlier releases an attacker would combine with them; rounded figures read as intervals),
linear programming finds the tightest interval for every [c] cell. It must never be narrower
than k. The data are synthetic but shaped like real reporting (services/analytics/synthetic.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal_common import organisations
from portal_common.db import unit_of_work
from services.analytics import disclosure, releases, synthetic
from services.analytics.models import QUARTER, ROLLING_YEAR, Release, ReleaseCell, Report

ORGS = [o.code for o in organisations.load()]
POLICY = releases.ReleasePolicy()


def _load(sessions, per_week: float, weeks: int, seed: int = 7, first=dt.date(2025, 1, 6)) -> list[dict]:
    rows = list(synthetic.reports(seed, ORGS, first, weeks, per_week))
    with unit_of_work(sessions) as session:
        for n, row in enumerate(rows):
            session.add(Report(id=f"00000000-0000-4000-8000-{n:012d}", **row))
    return rows


def _published_cells(session, release_rows) -> list[disclosure.Cell]:
    """What a lead could read: statuses and rounded values only, never a true count."""
    cells = []
    for release in release_rows:
        index = releases.quarter_index(release.ends_on)
        name = releases.release_name(release.kind, index)
        quarters = releases._quarters(release.kind, index)
        for row in session.scalars(select(ReleaseCell).where(ReleaseCell.release_id == release.id)):
            scope = tuple(row.scope.split("/")) if row.scope else ()
            key = disclosure.CellKey(name, scope, row.table, row.category)
            cells.append(disclosure.Cell(key, quarters, None, row.status, row.value, True))
    return cells


def _attack_every_window(session) -> tuple[int, list[disclosure.Exposure]]:
    built = session.scalars(select(Release)).all()
    by_name = {releases.release_name(r.kind, releases.quarter_index(r.ends_on)): r for r in built}
    attacked, narrow = 0, []
    organisation_codes = sorted({r.organisation for r in session.scalars(select(Report))} - {None})
    dims = disclosure.domains([*ORGS, *organisation_codes])
    for release in built:
        if release.kind != QUARTER:
            continue
        q = releases.quarter_index(release.ends_on)
        names = [releases.release_name(QUARTER, i) for i in range(q - 4, q + 1)]
        names += [releases.release_name(ROLLING_YEAR, q - 1), releases.release_name(ROLLING_YEAR, q)]
        window = [by_name[n] for n in names if n in by_name]
        quarters = sorted({i for r in window for i in releases._quarters(r.kind, releases.quarter_index(r.ends_on))})
        count, found = disclosure.audit(_published_cells(session, window), quarters, dims, POLICY.rule)
        attacked += count
        narrow += found
    return attacked, narrow


@pytest.mark.parametrize("backend", ["sqlite"])  # the attack is arithmetic; storage is tested on both below
def test_every_release_of_a_realistic_data_set_withstands_the_attack(backend, sessions_for, capsys):
    sessions = sessions_for("analytics")
    # Two quarters of a small system (about 150 reports a quarter): small enough for the suite.
    # Larger runs: bench/disclosure_bench.py.
    _load(sessions, per_week=12, weeks=26)
    with unit_of_work(sessions) as session:
        built = releases.build_due_releases(session, dt.date(2025, 8, 1), POLICY, ORGS)
    assert {(r.kind, r.starts_on) for r in built} == {
        (QUARTER, dt.date(2025, 1, 1)),
        (ROLLING_YEAR, dt.date(2024, 4, 1)),
        (QUARTER, dt.date(2025, 4, 1)),
        (ROLLING_YEAR, dt.date(2024, 7, 1)),
    }
    with unit_of_work(sessions) as session:
        attacked, narrow = _attack_every_window(session)
        suppressed = session.scalar(select(ReleaseCell).where(ReleaseCell.status == "suppressed").limit(1))
    with capsys.disabled():
        print(
            f"\n[disclosure audit] {attacked} suppressed cells attacked across {len(built)} releases; "
            f"{len(narrow)} narrower than k = {POLICY.rule.k}"
        )
    assert suppressed is not None and attacked > 100  # the attack had something to attack
    assert narrow == [], [(e.cell.key, e.low, e.high) for e in narrow[:5]]


def test_the_attack_finds_what_primary_suppression_alone_gives_away(monkeypatch):
    """Without secondary suppression, a lone [c] in a table is worked out from its total."""
    facts = [disclosure.Fact.from_answers(8100, r) for r in synthetic.reports(3, ORGS, dt.date(2025, 1, 6), 13, 12)]
    dims = disclosure.domains(ORGS)
    spec = [disclosure.ReleaseSpec("quarter:8100", frozenset({8100}), False)]
    monkeypatch.setattr(disclosure, "protect", lambda *a, **k: 0)
    naive = disclosure.Window(spec, facts, dims, POLICY.rule)
    naive.build()
    _, narrow = disclosure.audit(list(naive.cells.values()), [8100], dims, POLICY.rule)
    assert narrow, "a release with primary suppression only should be attackable"
    monkeypatch.undo()
    safe = disclosure.Window(spec, facts, dims, POLICY.rule)
    safe.build()
    assert safe.added > 0
    _, narrow = disclosure.audit(list(safe.cells.values()), [8100], dims, POLICY.rule)
    assert narrow == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_published_figures_follow_the_rule(backend, sessions_for):
    sessions = sessions_for("analytics")
    rows = _load(sessions, per_week=12, weeks=13)
    with unit_of_work(sessions) as session:
        releases.build_due_releases(session, dt.date(2025, 5, 1), POLICY, ORGS)
    with unit_of_work(sessions) as session:
        release = session.scalar(
            select(Release).where(Release.kind == QUARTER, Release.starts_on == dt.date(2025, 1, 1))
        )
        assert release is not None
        assert release.publish_on == dt.date(2025, 3, 31) + dt.timedelta(days=POLICY.lag_days)
        cells = session.scalars(select(ReleaseCell).where(ReleaseCell.release_id == release.id)).all()
    in_quarter = [r for r in rows if dt.date(2025, 1, 1) <= r["submitted_week"] <= dt.date(2025, 3, 31)]
    total = next(c for c in cells if c.scope == "" and c.table == "total")
    assert total.status == "shown" and abs(total.value - len(in_quarter)) <= 2 and total.value % 5 == 0
    for cell in cells:
        if cell.status == "shown":
            assert cell.value >= POLICY.rule.k and cell.value % POLICY.rule.rounding == 0
        elif cell.status == "suppressed":
            assert cell.value is None
        else:
            assert cell.status == "zero" and cell.value == 0
    assert release.suppressed == sum(c.status == "suppressed" for c in cells)
    # breakdowns only for organisations whose published total reaches 2k
    scopes = {c.scope for c in cells}
    for org in ORGS:
        row = next((c for c in cells if c.scope == "" and c.table == "organisation" and c.category == org), None)
        broken_down = org in scopes
        assert broken_down == bool(row and row.status == "shown" and row.value >= POLICY.rule.floor)


def test_a_release_is_built_once(sessions_for):
    sessions = sessions_for("analytics")
    _load(sessions, per_week=5, weeks=14)
    with unit_of_work(sessions) as session:
        first = releases.build_due_releases(session, dt.date(2025, 5, 1), POLICY, ORGS)
    with unit_of_work(sessions) as session:
        again = releases.build_due_releases(session, dt.date(2025, 5, 1), POLICY, ORGS)
        assert len(first) == 2 and again == []
        with pytest.raises(ValueError, match="built once"):
            releases.build_quarter(
                session, releases.quarter_index(dt.date(2025, 1, 1)), dt.date(2025, 5, 1), POLICY, ORGS
            )


def test_k_may_not_be_set_below_eight():
    with pytest.raises(ValueError, match="below 8"):
        disclosure.Rule(k=7)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_rolling_year_barely_different_from_the_last_is_built_safely(backend, sessions_for, capsys):
    """Three quarters of reports and one week of a fourth: the rolling year ending with that
    week differs from the one published a quarter earlier by a dozen reports, so some of its
    [c] cells are pinned by organisation totals that may not change. The builder withholds
    that organisation's breakdown from the new rolling year (its total stays in the system
    tables), says so in the release's method, and the attack finds nothing."""
    sessions = sessions_for("analytics")
    _load(sessions, per_week=12, weeks=40)  # 6 Jan to 6 Oct 2025: one week of Q4
    with unit_of_work(sessions) as session:
        built = releases.build_due_releases(session, dt.date(2026, 1, 20), POLICY, ORGS)
    assert len(built) == 8
    with unit_of_work(sessions) as session:
        year = session.scalar(
            select(Release).where(Release.kind == ROLLING_YEAR, Release.ends_on == dt.date(2025, 12, 31))
        )
        assert year is not None
        assert "shown as a total only" in year.method, year.method
        withheld = year.method.split("; ")[1].removesuffix(" shown as a total only").split(",")
        cells = session.scalars(select(ReleaseCell).where(ReleaseCell.release_id == year.id)).all()
        for org in withheld:
            total = next(c for c in cells if c.scope == "" and c.table == "organisation" and c.category == org)
            assert total.status == "shown" and total.value >= POLICY.rule.floor  # would have been broken down
            assert not [c for c in cells if c.scope == org]  # but nothing of its own is published
        assert {c.scope for c in cells} - {""}  # other organisations are still broken down
        attacked, narrow = _attack_every_window(session)
    with capsys.disabled():
        print(f"\n[disclosure audit, one-week quarter] {attacked} cells attacked; withheld {withheld}")
    assert narrow == [], [(e.cell.key, e.low, e.high) for e in narrow[:5]]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_rolling_year_pinned_by_system_totals_is_published_without_figures(backend, sessions_for, capsys):
    """About 45 reports a quarter: the rolling year ending June 2025 minus the June quarter
    narrows the March quarter's total (both rounded to 5) so far that one of its published
    [c] cells is pinned, and no organisation breakdown is involved. That rolling year is
    then published with no figures (saying why), later releases still get built, and the
    attack on every window finds nothing."""
    sessions = sessions_for("analytics")
    _load(sessions, per_week=4, weeks=52, seed=11)
    with unit_of_work(sessions) as session:
        built = releases.build_due_releases(session, dt.date(2026, 1, 20), POLICY, ORGS)
    assert len(built) == 8  # building did not stop at the troublesome quarter
    with unit_of_work(sessions) as session:
        year = session.scalar(
            select(Release).where(Release.kind == ROLLING_YEAR, Release.ends_on == dt.date(2025, 6, 30))
        )
        assert year is not None and "no figures" in year.method and year.cells == 0
        quarter = session.scalar(
            select(Release).where(Release.kind == QUARTER, Release.ends_on == dt.date(2025, 6, 30))
        )
        assert quarter is not None and quarter.cells > 0 and "no figures" not in quarter.method
        attacked, narrow = _attack_every_window(session)
    with capsys.disabled():
        print(f"\n[disclosure audit, rolling year without figures] {attacked} cells attacked")
    assert narrow == [], [(e.cell.key, e.low, e.high) for e in narrow[:5]]
