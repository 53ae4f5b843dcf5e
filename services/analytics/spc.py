"""XmR (individuals) charts and the special-cause rules of NHS England's "Making Data Count".

Pure functions over a series of numbers; a ``None`` is a gap (a quarter whose total was
suppressed), never a zero.

The method follows NHS England / NHS Improvement, "Making data count: strengthening your
decisions" (2019) and "Making data count: getting started" (2019), as implemented for the NHS
by the NHS-R community's NHSRplotthedots package (which reproduces the programme's Excel
tools):

- the centre line is the mean of the points; a moving range is the absolute difference
  between two consecutive points; the process limits are the mean plus and minus 2.66 times
  the mean moving range (2.66 = 3 / 1.128, i.e. three sigma for individuals); moving ranges
  are not screened for outliers, as in the Excel tools;
- special cause variation is signalled by:
  1. a single point outside the process limits;
  2. a shift: seven or more consecutive points all above, or all below, the mean (a point
     exactly on the mean breaks the run);
  3. a trend: seven or more consecutive points each higher (or each lower) than the one
     before, i.e. six or more consecutive rises or falls (an unchanged value breaks it);
  4. two out of three consecutive points close to a process limit: in the outer third
     between the mean and that limit (beyond mean +/- 2 sigma) but not outside it, with all
     three points on the same side of the mean.

A gap splits the series: no moving range spans it, and no run, trend or two-of-three
window crosses it, because we cannot know what the missing point would have been. The
mean and limits are still computed from every point that is present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

LIMIT_FACTOR = 2.66  # mean moving range -> three sigma
CLOSE_FACTOR = LIMIT_FACTOR * 2 / 3  # two sigma: the start of the outer third
SHIFT_POINTS = 7
TREND_POINTS = 7  # six consecutive rises or falls

OUTSIDE = "outside"
SHIFT = "shift"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
RULES = (OUTSIDE, SHIFT, TREND, TWO_OF_THREE)


@dataclass(frozen=True)
class Finding:
    """One special-cause signal: which rule, over which points (indexes, inclusive), and
    whether the points are high (+1) or low (-1) against the mean."""

    rule: str
    first: int
    last: int
    direction: int


@dataclass(frozen=True)
class XmR:
    values: tuple[float | None, ...]
    moving_ranges: tuple[float | None, ...]
    mean: float | None
    mean_moving_range: float | None
    upper: float | None
    lower: float | None
    findings: tuple[Finding, ...]

    @property
    def special(self) -> tuple[frozenset[str], ...]:
        """For each point, the rules it takes part in (empty: common cause variation)."""
        rules: list[set[str]] = [set() for _ in self.values]
        for finding in self.findings:
            for index in range(finding.first, finding.last + 1):
                if finding.rule != TWO_OF_THREE or self._close(index):
                    rules[index].add(finding.rule)
        return tuple(frozenset(r) for r in rules)

    @property
    def directions(self) -> tuple[int, ...]:
        """For each point, +1 or -1 as the first finding it takes part in (0: none)."""
        found = [0] * len(self.values)
        rules = self.special
        for finding in self.findings:
            for index in range(finding.first, finding.last + 1):
                if not found[index] and finding.rule in rules[index]:
                    found[index] = finding.direction
        return tuple(found)

    def _close(self, index: int) -> bool:
        value = self.values[index]
        if value is None or self.mean is None or self.mean_moving_range is None:
            return False
        distance = abs(value - self.mean)
        return CLOSE_FACTOR * self.mean_moving_range < distance <= LIMIT_FACTOR * self.mean_moving_range


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def segments(values: Sequence[float | None]) -> list[tuple[int, int]]:
    """(first, last) index of each unbroken stretch of points present."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    for index, value in enumerate(values):
        if value is None:
            if start is not None:
                found.append((start, index - 1))
            start = None
        elif start is None:
            start = index
    if start is not None:
        found.append((start, len(values) - 1))
    return found


def _runs(keys: Sequence[int], offset: int, minimum: int) -> list[tuple[int, int, int]]:
    """Maximal runs of one non-zero key at least ``minimum`` long: (first, last, key)."""
    found = []
    start = 0
    for index in range(1, len(keys) + 1):
        if index == len(keys) or keys[index] != keys[start]:
            if keys[start] != 0 and index - start >= minimum:
                found.append((offset + start, offset + index - 1, keys[start]))
            start = index
    return found


def xmr(values: Sequence[float | None]) -> XmR:
    """The XmR statistics of ``values`` and every special-cause finding, in order."""
    points = tuple(None if v is None else float(v) for v in values)
    present = [v for v in points if v is not None]
    moving: list[float | None] = [None]
    for previous, value in zip(points, points[1:], strict=False):
        moving.append(None if previous is None or value is None else abs(value - previous))
    ranges = [m for m in moving if m is not None]
    mean = fmean(present) if present else None
    mean_mr = fmean(ranges) if ranges else None
    upper = lower = None
    if mean is not None and mean_mr is not None:
        upper, lower = mean + LIMIT_FACTOR * mean_mr, mean - LIMIT_FACTOR * mean_mr

    findings: list[Finding] = []
    if mean is None:
        return XmR(points, tuple(moving), None, None, None, None, ())
    if upper is not None and lower is not None:
        for index, value in enumerate(points):
            if value is not None and (value > upper or value < lower):
                findings.append(Finding(OUTSIDE, index, index, 1 if value > upper else -1))
    for first, last in segments(points):
        stretch = [v for v in points[first : last + 1] if v is not None]
        sides = [_sign(v - mean) for v in stretch]
        findings += [Finding(SHIFT, a, b, side) for a, b, side in _runs(sides, first, SHIFT_POINTS)]
        steps = [_sign(b - a) for a, b in zip(stretch, stretch[1:], strict=False)]
        # A run of n rises covers n + 1 points, starting at the point before the first rise.
        findings += [Finding(TREND, a, b + 1, step) for a, b, step in _runs(steps, first, TREND_POINTS - 1)]
        if mean_mr is not None and mean_mr > 0:
            findings += _two_of_three(stretch, first, mean, mean_mr)
    findings.sort(key=lambda f: (f.first, RULES.index(f.rule)))
    return XmR(points, tuple(moving), mean, mean_mr, upper, lower, tuple(_merge(findings)))


def _two_of_three(stretch: Sequence[float], offset: int, mean: float, mean_mr: float) -> list[Finding]:
    def close(value: float) -> bool:
        return CLOSE_FACTOR * mean_mr < abs(value - mean) <= LIMIT_FACTOR * mean_mr

    found = []
    for start in range(len(stretch) - 2):
        window = stretch[start : start + 3]
        sides = {_sign(v - mean) for v in window}
        if len(sides) == 1 and 0 not in sides and sum(close(v) for v in window) >= 2:
            found.append(Finding(TWO_OF_THREE, offset + start, offset + start + 2, sides.pop()))
    return found


def _merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping two-of-three windows on the same side are one finding."""
    merged: list[Finding] = []
    for finding in findings:
        last = next((f for f in reversed(merged) if f.rule == finding.rule), None)
        if (
            finding.rule == TWO_OF_THREE
            and last is not None
            and last.direction == finding.direction
            and finding.first <= last.last
        ):
            merged[merged.index(last)] = Finding(TWO_OF_THREE, last.first, finding.last, last.direction)
        else:
            merged.append(finding)
    return merged
