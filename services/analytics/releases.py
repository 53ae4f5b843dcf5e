"""Releases: the protected counts of each fixed period, built once and read by every page.

A quarter's release and the rolling year ending with it are built together, once the quarter
is over and a grace period for reports still on their way has passed. They are protected
jointly with everything already published that an attacker could combine with them (the four
quarters before, and the rolling year ending a quarter earlier): see ``disclosure.Window``.
Pages show a release only from its ``publish_on`` date, a configurable lag after the period,
so that nobody can tie a figure to an incident still fresh in people's minds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import disclosure
from .models import QUARTER, ROLLING_YEAR, FollowUp, Release, ReleaseCell, Report


@dataclass(frozen=True)
class ReleasePolicy:
    rule: disclosure.Rule = disclosure.Rule()
    lag_days: int = 28  # from the end of a period to its publication
    grace_days: int = 14  # from the end of a quarter to its build (reports still in the pipeline)


def quarter_index(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_start(index: int) -> dt.date:
    return dt.date(index // 4, index % 4 * 3 + 1, 1)


def quarter_end(index: int) -> dt.date:
    return quarter_start(index + 1) - dt.timedelta(days=1)


def release_name(kind: str, index: int) -> str:
    return f"{kind}:{index}"


def _quarters(kind: str, index: int) -> frozenset[int]:
    return frozenset({index}) if kind == QUARTER else frozenset(range(index - 3, index + 1))


def _facts(session: Session, first: int, last: int) -> list[disclosure.Fact]:
    """The coded reports sent from quarter ``first`` to ``last``, with their notes' themes.

    Read as plain rows (no ORM objects), and the notes in one query over the same weeks: at a
    million reports this is most of what loading costs."""
    weeks = (Report.submitted_week >= quarter_start(first), Report.submitted_week <= quarter_end(last))
    single = [getattr(Report, name) for name in ("setting", "staff_group", *disclosure.SINGLE)]
    rows = session.execute(
        select(
            Report.id, Report.submitted_week, Report.organisation, Report.characteristics, Report.sources,
            Report.themes, *single,
        ).where(*weeks)
    ).all()
    extra: dict[str, set[str]] = {}
    if rows:
        notes = select(FollowUp.report_id, FollowUp.themes).join(Report, Report.id == FollowUp.report_id).where(*weeks)
        for report_id, themes in session.execute(notes):
            extra.setdefault(report_id, set()).update(themes or [])
    names = ("setting", "staff_group", *disclosure.SINGLE)
    quarter_of: dict[dt.date, int] = {}
    facts = []
    for report_id, week, organisation, characteristics, sources, themes, *values in rows:
        if week not in quarter_of:
            quarter_of[week] = quarter_index(week)
        answers = {
            "organisation": organisation,
            **dict(zip(names, values, strict=True)),
            "characteristics": characteristics,
            "sources": sources,
            "themes": sorted({*(themes or []), *extra.get(report_id, ())}),
        }
        facts.append(disclosure.Fact.from_answers(quarter_of[week], answers))
    return facts


def _published(session: Session, releases: Iterable[Release]) -> dict[disclosure.CellKey, tuple[str, int | None]]:
    found: dict[disclosure.CellKey, tuple[str, int | None]] = {}
    for release in releases:
        name = release_name(release.kind, quarter_index(release.ends_on))
        for cell in session.scalars(select(ReleaseCell).where(ReleaseCell.release_id == release.id)):
            scope = tuple(cell.scope.split("/")) if cell.scope else ()
            found[disclosure.CellKey(name, scope, cell.table, cell.category)] = (cell.status, cell.value)
    return found


def _existing(session: Session, kind: str, index: int) -> Release | None:
    return session.scalar(select(Release).where(Release.kind == kind, Release.starts_on == min_start(kind, index)))


def min_start(kind: str, index: int) -> dt.date:
    return quarter_start(min(_quarters(kind, index)))


def build_quarter(
    session: Session, index: int, today: dt.date, policy: ReleasePolicy, organisation_codes: Sequence[str]
) -> list[Release]:
    """Build the quarter ``index`` and the rolling year ending with it (neither may exist yet)."""
    if _existing(session, QUARTER, index) or _existing(session, ROLLING_YEAR, index):
        raise ValueError(f"the releases for quarter {index} are already built; a release is built once")
    earlier = [r for r in (_existing(session, QUARTER, q) for q in range(index - 4, index)) if r]
    if (rolling := _existing(session, ROLLING_YEAR, index - 1)) is not None:
        earlier.append(rolling)
    specs = [
        disclosure.ReleaseSpec(
            release_name(r.kind, quarter_index(r.ends_on)), _quarters(r.kind, quarter_index(r.ends_on)), True
        )
        for r in earlier
    ]
    specs += [
        disclosure.ReleaseSpec(release_name(kind, index), _quarters(kind, index), False)
        for kind in (QUARTER, ROLLING_YEAR)
    ]
    first = min(q for s in specs for q in s.quarters)
    facts = _facts(session, first, index)
    seen_organisations = {f.organisation for f in facts}
    dims = disclosure.domains([*organisation_codes, *seen_organisations - {disclosure.NOT_GIVEN}])
    window = disclosure.Window(specs, facts, dims, policy.rule, _published(session, earlier))
    window.build()
    built = []
    for kind in (QUARTER, ROLLING_YEAR):
        name = release_name(kind, index)
        cells = window.release_cells(name)
        release = Release(
            kind=kind,
            starts_on=min_start(kind, index),
            ends_on=quarter_end(index),
            publish_on=quarter_end(index) + dt.timedelta(days=policy.lag_days),
            built_on=today,
            k=policy.rule.k,
            rounding=policy.rule.rounding,
            cells=len(cells),
            suppressed=sum(1 for c in cells if c.status == disclosure.SUPPRESSED),
            method=window.method(name),
        )
        session.add(release)
        session.flush()
        session.add_all(
            ReleaseCell(
                release_id=release.id,
                scope=c.key.scope_text,
                table=c.key.table,
                category=c.key.category,
                status=c.status,
                value=c.value,
            )
            for c in cells
        )
        built.append(release)
    return built


def build_due_releases(
    session: Session, today: dt.date, policy: ReleasePolicy, organisation_codes: Sequence[str]
) -> list[Release]:
    """Build every quarter that is over (plus the grace period) and not built yet, oldest first.
    Quarters before the first report are not built."""
    built: list[Release] = []
    for index in due_quarters(session, today, policy):
        if _existing(session, QUARTER, index) is None:
            built += build_quarter(session, index, today, policy, organisation_codes)
    return built


def due_quarters(session: Session, today: dt.date, policy: ReleasePolicy) -> list[int]:
    """Every quarter from the first ever built or reported to the last that is over (plus the
    grace period), built or not. Starts at the oldest release too, so that retention (which
    deletes old rows) never makes an old quarter look unbuilt."""
    firsts = [
        session.scalar(select(func.min(Report.submitted_week))),
        session.scalar(select(func.min(Release.ends_on)).where(Release.kind == QUARTER)),
    ]
    known = [day for day in firsts if day is not None]
    if not known:
        return []
    found, index = [], quarter_index(min(known))
    while quarter_end(index) + dt.timedelta(days=policy.grace_days) < today:
        found.append(index)
        index += 1
    return found
