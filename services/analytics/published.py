"""What the leads' pages may show: read only from published releases, never from report rows.

A release is published once its ``publish_on`` date has come. Its cells are already
protected (small numbers suppressed, counts rounded) by the release builder; this module
only reads them, labels them from the taxonomy and the organisation list, and works out
percentages, the year-on-year comparison and the quarterly series from the rounded figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common import organisations, taxonomy

from .models import QUARTER, Release, ReleaseCell

SYSTEM = ""  # the scope of the whole system
NOT_GIVEN = "not_given"
SHOWN, ZERO, SUPPRESSED = "shown", "zero", "suppressed"
TREND_QUARTERS = 20  # the longest series the trend page draws

TABLE_CHOICES: dict[str, tuple[taxonomy.Choice, ...]] = {
    "experience": taxonomy.EXPERIENCE,
    "characteristics": taxonomy.CHARACTERISTICS,
    "sources": taxonomy.SOURCES,
    "setting": taxonomy.SETTINGS,
    "staff_group": taxonomy.STAFF_GROUPS,
    "internationally_recruited": taxonomy.INTERNATIONALLY_RECRUITED,
    "impact": taxonomy.IMPACT,
    "raised_formally": taxonomy.RAISED_FORMALLY,
    "themes": taxonomy.THEMES,
}
MULTI_LABEL = frozenset({"characteristics", "sources", "themes"})
ORDINAL = frozenset({"impact"})  # a scale: keep its order rather than sorting by size
PAIRS = "characteristic_pairs"
COMBINATIONS = "characteristic_combinations"
OTHER = "other"


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    tables: tuple[str, ...]
    intro: str
    system_only: bool = False
    # Published only where the release holds its tables (the intersections: today the whole
    # system only, disclosure.INTERSECTION_DEPTH); elsewhere the page says why instead.
    where_released: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic(
        "characteristics",
        "Protected characteristics",
        ("characteristics",),
        "What the behaviour related to, as the person reporting saw it. A report can name more than one "
        "characteristic, so these counts add up to more than the number of reports.",
    ),
    Topic(
        "intersections",
        "Intersections of characteristics",
        (PAIRS, COMBINATIONS),
        "Reports that named more than one characteristic: how often each pair was named together, and "
        "the exact combinations people described.",
        where_released=True,
    ),
    Topic(
        "sources",
        "Who the behaviour came from",
        ("sources",),
        "Who the person reporting said the behaviour came from. A report can name more than one source.",
    ),
    Topic("setting", "Setting", ("setting",), "The kind of service where it happened."),
    Topic("staff-group", "Staff group", ("staff_group",), "The staff group of the person reporting."),
    Topic(
        "internationally-recruited",
        "Internationally recruited staff",
        ("internationally_recruited",),
        "Whether the person reporting was recruited from overseas.",
    ),
    Topic(
        "experience",
        "Experienced or witnessed",
        ("experience",),
        "Whether the person reporting experienced the behaviour, saw it happen to someone else, or both.",
    ),
    Topic("impact", "Impact", ("impact",), "How much the person reporting said it affected them."),
    Topic(
        "raised-formally",
        "Raised formally",
        ("raised_formally",),
        "Whether the person reporting had also raised it through a formal route.",
    ),
    Topic(
        "themes",
        "Themes",
        ("themes",),
        "Themes found in what people wrote, tagged when the text was redacted. A report can carry several "
        "themes, or none.",
    ),
    Topic(
        "organisations",
        "Organisations",
        ("organisation",),
        "Reports by the organisation the person reporting chose.",
        system_only=True,
    ),
)
TOPIC_BY_SLUG = {topic.slug: topic for topic in TOPICS}

TABLE_TITLES = {
    "experience": "Experienced or witnessed",
    "characteristics": "Reports by protected characteristic",
    "sources": "Reports by who the behaviour came from",
    "setting": "Reports by setting",
    "staff_group": "Reports by staff group",
    "internationally_recruited": "Reports by whether the person was internationally recruited",
    "impact": "Reports by impact on the person reporting",
    "raised_formally": "Reports by whether it was also raised formally",
    "themes": "Reports by theme",
    "organisation": "Reports by organisation",
    PAIRS: "Pairs of characteristics named in the same report",
    COMBINATIONS: "Exact combinations of characteristics",
}


# -- one published number ------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    status: str
    value: int | None

    @property
    def hidden(self) -> bool:
        return self.status == SUPPRESSED or self.value is None

    @property
    def number(self) -> int | None:
        """The rounded figure, or None when it is suppressed."""
        return None if self.hidden else (self.value or 0)

    @property
    def text(self) -> str:
        return "[c]" if self.hidden else f"{self.value or 0:,}"


MISSING = Count(SUPPRESSED, None)


def percent(part: Count, whole: Count) -> str:
    """A share worked out from the rounded figures, or [c] when either is hidden."""
    if part.number is None or whole.number is None:
        return "[c]"
    if not whole.number:
        return "-"
    return f"{100 * part.number / whole.number:.0f}%"


# -- periods and scopes --------------------------------------------------------------------


def period_span(release: Release) -> str:
    return f"{release.starts_on:%B %Y} to {release.ends_on:%B %Y}"


def period_label(release: Release) -> str:
    span = period_span(release)
    return f"Quarter: {span}" if release.kind == QUARTER else f"12 months: {span}"


def quarter_label(starts_on: dt.date) -> str:
    end = _add_months(starts_on, 2)
    return f"{starts_on:%b}-{end:%b} {end:%Y}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def organisation_names() -> dict[str, str]:
    return {org.code: org.name for org in organisations.load()}


def scope_label(scope: str, names: dict[str, str]) -> str:
    return "All organisations" if scope == SYSTEM else names.get(scope, scope)


# -- queries -------------------------------------------------------------------------------


def published_releases(session: Session, today: dt.date) -> list[Release]:
    """Releases whose publication date has come, newest period first (a quarter before the
    12 months ending on the same day)."""
    rows = session.scalars(select(Release).where(Release.publish_on <= today)).all()
    return sorted(rows, key=lambda r: (r.ends_on, r.kind == QUARTER), reverse=True)


def organisation_scopes(session: Session, release_id: int) -> list[str]:
    """Organisations with figures of their own in a release (their total passed the floor)."""
    scopes = session.scalars(
        select(ReleaseCell.scope).where(ReleaseCell.release_id == release_id, ReleaseCell.table == "total")
    ).all()
    return sorted({s for s in scopes if s != SYSTEM and "/" not in s})


def intersection_scopes(session: Session, release_id: int) -> set[str]:
    """Scopes of a release that have intersection tables (pairs or combinations) of their own."""
    return set(
        session.scalars(
            select(ReleaseCell.scope)
            .where(ReleaseCell.release_id == release_id, ReleaseCell.table.in_((PAIRS, COMBINATIONS)))
            .distinct()
        )
    )


def released_here(topic: Topic, cells: dict[str, dict[str, Count]]) -> bool:
    """Does this scope's part of the release hold the topic's tables? Always, unless the topic
    is published only where the release has it."""
    return not topic.where_released or any(table in cells for table in topic.tables)


def load_cells(session: Session, release_id: int, scope: str) -> dict[str, dict[str, Count]]:
    """table -> category -> Count for one scope of one release."""
    found: dict[str, dict[str, Count]] = defaultdict(dict)
    rows = session.scalars(
        select(ReleaseCell).where(ReleaseCell.release_id == release_id, ReleaseCell.scope == scope)
    ).all()
    for cell in rows:
        found[cell.table][cell.category] = Count(cell.status, cell.value)
    return dict(found)


def total_of(cells: dict[str, dict[str, Count]]) -> Count:
    return cells.get("total", {}).get("", MISSING)


# -- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    count: Count
    share: str = ""


@dataclass
class Table:
    name: str
    title: str
    rows: list[Row]
    share_heading: str = ""
    suppressed: int = 0
    extra: dict = field(default_factory=dict)


def _labels(table: str, names: dict[str, str]) -> list[tuple[str, str]]:
    if table == "organisation":
        return list(names.items())
    return [(choice.code, choice.label) for choice in TABLE_CHOICES.get(table, ())]


def category_table(table: str, cells: dict[str, dict[str, Count]], names: dict[str, str]) -> Table:
    """One table's rows in the taxonomy's order (then any code the taxonomy no longer has),
    with shares of the scope's total for every row."""
    found = cells.get(table, {})
    total = total_of(cells)
    known = _labels(table, names)
    order = [code for code, _label in known if code in found]
    order += sorted(code for code in found if code not in dict(known) and code != NOT_GIVEN)
    if NOT_GIVEN in found:
        order.append(NOT_GIVEN)
    labels = {**dict(known), NOT_GIVEN: "Question left blank"}
    rows = [Row(code, labels.get(code, code), found[code], percent(found[code], total)) for code in order]
    heading = "Share of reports mentioning it" if table in MULTI_LABEL else "Share of reports"
    return Table(table, TABLE_TITLES.get(table, table), rows, heading, sum(r.count.hidden for r in rows))


def _members(category: str) -> tuple[str, ...]:
    return tuple(code for code in category.split("+") if code)


def pairs_table(cells: dict[str, dict[str, Count]]) -> Table:
    found = cells.get(PAIRS, {})
    known = [code for code, _l in _labels("characteristics", {})]
    labels = dict(_labels("characteristics", {}))

    def position(category: str) -> tuple[int, ...]:
        return tuple(known.index(c) if c in known else len(known) for c in _members(category))

    rows = [
        Row(category, " and ".join(labels.get(c, c) for c in _members(category)), found[category])
        for category in sorted(found, key=position)
    ]
    return Table(PAIRS, TABLE_TITLES[PAIRS], rows, "", sum(r.count.hidden for r in rows))


def combinations_table(cells: dict[str, dict[str, Count]]) -> Table:
    found = cells.get(COMBINATIONS, {})
    labels = dict(_labels("characteristics", {}))

    def weight(category: str) -> tuple[bool, int, int]:
        count = found[category]
        return (category == OTHER, count.hidden, -(count.number or 0))

    rows = []
    for category in sorted(found, key=weight):
        if category == OTHER:
            label = "Every other combination (each too small to show on its own)"
        else:
            named = [labels.get(c, c) for c in _members(category)]
            label = named[0] + (" only" if len(named) == 1 else "")
            if len(named) > 1:
                label = ", ".join(named[:-1]) + " and " + named[-1]
        rows.append(Row(category, label, found[category], percent(found[category], total_of(cells))))
    return Table(COMBINATIONS, TABLE_TITLES[COMBINATIONS], rows, "Share of reports", sum(r.count.hidden for r in rows))


# -- the headline: this period against the same period a year earlier ----------------------


@dataclass(frozen=True)
class Comparison:
    earlier_period: str
    earlier: Count
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    words: tuple[str, ...] = ()


def ratio_interval(now: int, before: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Rate ratio of two counts over periods of equal length, with an exact interval.

    Given the two counts' sum, the first is binomial with p = ratio / (1 + ratio) (the
    conditional method for comparing two Poisson counts); the Clopper-Pearson interval for p
    is turned back into one for the ratio. ``before`` must be above zero."""
    if before <= 0:
        raise ValueError("no reports in the earlier period: the ratio is not defined")
    interval = stats.binomtest(now, now + before).proportion_ci(confidence_level=confidence, method="exact")
    low, high = float(interval.low), float(interval.high)
    return now / before, low / (1 - low), (high / (1 - high) if high < 1 else math.inf)


def compare(now: Count, earlier_release: Release | None, earlier: Count | None) -> Comparison | None:
    if earlier_release is None or earlier is None:
        return None
    label = period_span(earlier_release)
    if now.number is None or earlier.number is None:
        return Comparison(
            label, earlier, words=("One of the two figures is suppressed, so the two periods cannot be compared.",)
        )
    if earlier.number == 0:
        return Comparison(
            label,
            earlier,
            words=("There were no reports in the same period a year earlier, so no ratio can be given.",),
        )
    ratio, low, high = ratio_interval(now.number, earlier.number)
    words = [
        f"That is {ratio:.2f} times the number a year earlier. The 95% interval for this ratio runs from "
        f"{low:.2f} to {'no upper limit' if math.isinf(high) else f'{high:.2f}'}: a range of ratios that "
        "fit both figures, once ordinary chance variation is allowed for.",
    ]
    if low > 1:
        words.append(
            "The whole interval is above 1, so there were more reports than chance alone would explain. More "
            "reports can mean that more people feel able to speak up, not only that more happened."
        )
    elif high < 1:
        words.append(
            "The whole interval is below 1, so there were fewer reports than chance alone would explain. Fewer "
            "reports can mean less of this behaviour, or that fewer people feel able to report it."
        )
    else:
        words.append(
            "The interval includes 1 (no change), so the difference could be chance variation: it is not "
            "evidence of a real change."
        )
    words.append("Both counts are rounded to the nearest 5, so the interval is approximate.")
    return Comparison(label, earlier, ratio, low, high, tuple(words))


def earlier_release(session: Session, release: Release, today: dt.date) -> Release | None:
    """The published release of the same kind covering the same period a year earlier."""
    return session.scalars(
        select(Release).where(
            Release.kind == release.kind,
            Release.starts_on == year_earlier(release.starts_on),
            Release.publish_on <= today,
        )
    ).first()


def scope_total(session: Session, release_id: int, scope: str) -> Count | None:
    """The scope's total in a release, or None when the scope has no figures there."""
    cell = session.get(ReleaseCell, (release_id, scope, "total", ""))
    return None if cell is None else Count(cell.status, cell.value)


# -- the quarterly series ------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    starts_on: dt.date
    label: str
    count: Count | None  # None: no figures for this scope that quarter
    reason: str = ""


def quarterly_series(session: Session, scope: str, until: dt.date, today: dt.date) -> list[Quarter]:
    """The published quarters ending on or before ``until``, oldest first, with any quarter
    between them that has no release (or no figures for this scope) kept as a gap."""
    releases = session.scalars(
        select(Release)
        .where(Release.kind == QUARTER, Release.publish_on <= today, Release.ends_on <= until)
        .order_by(Release.starts_on.desc())
        .limit(TREND_QUARTERS)
    ).all()
    if not releases:
        return []
    totals = {
        cell.release_id: Count(cell.status, cell.value)
        for cell in session.scalars(
            select(ReleaseCell).where(
                ReleaseCell.release_id.in_([r.id for r in releases]),
                ReleaseCell.scope == scope,
                ReleaseCell.table == "total",
            )
        )
    }
    by_start = {r.starts_on: r for r in releases}
    first, last = min(by_start), max(by_start)
    series = []
    day = first
    while day <= last:
        found = by_start.get(day)
        if found is None:
            series.append(Quarter(day, quarter_label(day), None, "no release was published for this quarter"))
        elif found.id not in totals:
            series.append(Quarter(day, quarter_label(day), None, "too few reports to publish figures for it"))
        else:
            count = totals[found.id]
            series.append(Quarter(day, quarter_label(day), count, "suppressed" if count.hidden else ""))
        day = _add_months(day, 3)
    return series


def series_values(quarters: Sequence[Quarter]) -> list[float | None]:
    return [None if q.count is None or q.count.hidden else float(q.count.number or 0) for q in quarters]
