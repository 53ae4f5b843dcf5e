"""Reduction targets: what each one measures and how far it has come, from published releases only.

A target compares two published 12-month releases: its baseline, and the newest release
whose months all fall after the baseline's (two overlapping periods share reports, so their
counts could not be compared as independent counts). Both figures are the rounded ones a
page shows; a suppressed figure stays [c] and makes the target "not yet measurable".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common import taxonomy

from . import published
from .models import CHARACTERISTIC, OVERALL, ROLLING_YEAR, THEME, Release, Target
from .published import SYSTEM, Count

MET, NOT_MET, NOT_MEASURABLE = "met", "not_met", "not_measurable"
STATUS_LABELS = {MET: "Met", NOT_MET: "Not met", NOT_MEASURABLE: "Not yet measurable"}

# The Equality Act's nine protected characteristics ("not sure", "something else" and
# "prefer not to say" are answers, not characteristics a target could be about).
PROTECTED = tuple(c for c in taxonomy.CHARACTERISTICS if c.code not in ("not_sure", "other", "prefer_not_to_say"))
MEASURE_TABLES = {OVERALL: "total", CHARACTERISTIC: "characteristics", THEME: "themes"}

CAUTION = (
    "Fewer reports can mean less of this behaviour, or that people feel less able or less safe to report it. "
    "Read these figures beside the staff survey and what staff tell you, never on their own."
)


@dataclass(frozen=True)
class MeasureChoice:
    value: str  # what the form sends: "overall", "characteristic:race", "theme:names"
    label: str
    group: str


def measure_choices() -> list[MeasureChoice]:
    choices = [MeasureChoice(OVERALL, "All reports", "All reports")]
    choices += [MeasureChoice(f"{CHARACTERISTIC}:{c.code}", c.label, "A protected characteristic") for c in PROTECTED]
    choices += [MeasureChoice(f"{THEME}:{c.code}", c.label, "A theme") for c in taxonomy.THEMES]
    return choices


def measure_value(target: Target) -> str:
    return OVERALL if target.measure == OVERALL else f"{target.measure}:{target.code}"


def split_measure(value: str) -> tuple[str, str] | None:
    """("characteristic", "race") from a form value, or None when it names nothing we measure."""
    for choice in measure_choices():
        if choice.value == value:
            measure, _, code = value.partition(":")
            return measure, code
    return None


def measure_label(measure: str, code: str) -> str:
    if measure == OVERALL:
        return "All reports"
    choices = PROTECTED if measure == CHARACTERISTIC else taxonomy.THEMES
    label = next((c.label for c in choices if c.code == code), code)
    return f"Reports naming {label}" if measure == CHARACTERISTIC else f"Reports with the theme {label}"


def target_label(target: Target) -> str:
    return measure_label(target.measure, target.code)


def cell_key(measure: str, code: str) -> tuple[str, str]:
    """(table, category) of the release cell a measure reads."""
    return MEASURE_TABLES[measure], ("" if measure == OVERALL else code)


def figure(session: Session, release: Release, scope: str, measure: str, code: str) -> Count | None:
    """The measure's published figure in a release, or None when the scope has no figures there."""
    if published.scope_total(session, release.id, scope) is None:
        return None
    table, category = cell_key(measure, code)
    cells = published.load_cells(session, release.id, scope)
    return cells.get(table, {}).get(category, published.MISSING)


def rolling_years(session: Session, today: dt.date) -> list[Release]:
    """Published 12-month releases, newest first."""
    return [r for r in published.published_releases(session, today) if r.kind == ROLLING_YEAR]


def baseline_release(session: Session, starts_on: dt.date, today: dt.date) -> Release | None:
    return session.scalars(
        select(Release).where(Release.kind == ROLLING_YEAR, Release.starts_on == starts_on, Release.publish_on <= today)
    ).first()


def latest_after(session: Session, baseline: Release, today: dt.date) -> Release | None:
    """The newest published 12-month release that starts after the baseline ends."""
    return session.scalars(
        select(Release)
        .where(Release.kind == ROLLING_YEAR, Release.publish_on <= today, Release.starts_on > baseline.ends_on)
        .order_by(Release.starts_on.desc())
    ).first()


@dataclass(frozen=True)
class Progress:
    status: str
    baseline_period: str
    baseline: Count | None
    target_figure: float | None = None
    latest_period: str = ""
    latest: Count | None = None
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    words: tuple[str, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def target_text(self) -> str:
        return "" if self.target_figure is None else f"{self.target_figure:,.0f}"

    @property
    def interval_text(self) -> str:
        if self.ratio is None or self.low is None or self.high is None:
            return ""
        high = "no upper limit" if math.isinf(self.high) else f"{self.high:.2f}"
        return f"{self.ratio:.2f} (95% interval {self.low:.2f} to {high})"


def _not_measurable(baseline_period: str, baseline: Count | None, reason: str, **more) -> Progress:
    return Progress(NOT_MEASURABLE, baseline_period, baseline, words=(reason, CAUTION), **more)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def progress(session: Session, target: Target, today: dt.date) -> Progress:
    """How the target stands in the published releases, in figures and plain words."""
    scope_name = published.scope_label(target.scope, published.organisation_names())
    baseline = baseline_release(session, target.baseline_starts_on, today)
    if baseline is None:
        return _not_measurable(
            f"12 months from {target.baseline_starts_on:%B %Y}",
            None,
            "The baseline release is no longer published, so there is nothing to measure progress from. "
            "Edit the target to choose another baseline.",
        )
    baseline_period = published.period_span(baseline)
    before = figure(session, baseline, target.scope, target.measure, target.code)
    if before is None:
        return _not_measurable(
            baseline_period, None, f"{scope_name} had too few reports in the baseline period for figures of its own."
        )
    if before.number is None:
        return _not_measurable(
            baseline_period,
            before,
            "The baseline figure is suppressed ([c]): it is too small to publish, so no reduction from it can be "
            "measured. Choose a larger measure or scope, or a later baseline.",
        )
    if before.number == 0:
        return _not_measurable(baseline_period, before, "There were no reports in the baseline period to reduce.")
    goal = before.number * (1 - target.reduction / 100)
    latest = latest_after(session, baseline, today)
    if latest is None:
        return _not_measurable(
            baseline_period,
            before,
            "No 12-month release that starts after the baseline ends has been published yet. The first comparison "
            f"will be possible once the 12 months from {(baseline.ends_on + dt.timedelta(days=1)):%B %Y} are "
            "published: periods that share months cannot be compared fairly.",
            target_figure=goal,
        )
    latest_period = published.period_span(latest)
    after = figure(session, latest, target.scope, target.measure, target.code)
    if after is None:
        return _not_measurable(
            baseline_period,
            before,
            f"{scope_name} had too few reports in {latest_period} for figures of its own, so progress cannot be "
            "measured yet.",
            target_figure=goal,
            latest_period=latest_period,
        )
    if after.number is None:
        return _not_measurable(
            baseline_period,
            before,
            f"The latest figure ({latest_period}) is suppressed ([c]): fewer than {latest.k} reports, or hidden to "
            "protect another figure. Its true value is never shown, so whether the target is met cannot be said.",
            target_figure=goal,
            latest_period=latest_period,
            latest=after,
        )
    ratio, low, high = published.ratio_interval(after.number, before.number)
    aim = 1 - target.reduction / 100
    words = []
    met = after.number <= goal
    if met:
        words.append(
            f"Target met in the latest figures: {after.text} reports in {latest_period}, against a target of at most "
            f"{goal:,.0f} ({target.reduction}% fewer than the {before.text} in {baseline_period})."
        )
    else:
        words.append(
            f"Target not met: {after.text} reports in {latest_period}, against a target of at most {goal:,.0f} "
            f"({target.reduction}% fewer than the {before.text} in {baseline_period})."
        )
    upper = "no upper limit" if math.isinf(high) else f"{high:.2f}"
    words.append(
        f"The latest figure is {ratio:.2f} times the baseline; the 95% interval for that ratio runs from {low:.2f} "
        f"to {upper}, and the target is {aim:.2f} times."
    )
    if high < aim:
        words.append("The whole interval is below the target, so the fall is larger than chance alone would explain.")
    elif high < 1:
        words.append(
            "The whole interval is below 1, so reports fell by more than chance alone would explain, but it reaches "
            "above the target: the true fall may be smaller than the target."
        )
    elif low > 1:
        words.append("The whole interval is above 1, so reports rose by more than chance alone would explain.")
    else:
        words.append("The interval includes 1 (no change), so the difference could be ordinary chance variation.")
    if today > target.due_on:
        words.append(f"The target date, {_date(target.due_on)}, has passed.")
    else:
        words.append(f"The target date is {_date(target.due_on)}.")
    words.append("Both counts are rounded to the nearest 5, so the interval is approximate.")
    words.append(CAUTION)
    return Progress(
        MET if met else NOT_MET,
        baseline_period,
        before,
        goal,
        latest_period,
        after,
        ratio,
        low,
        high,
        tuple(words),
    )


def scope_parameter(scope: str) -> str:
    return "system" if scope == SYSTEM else scope
