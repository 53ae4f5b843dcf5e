"""A plausible release for page tests, written straight into release_cells.

The lead's release builder is what fills these tables in production. Here, true counts are
made up per scope, then protected the way the release format says (suppressed below k, with
a second cell hidden when one alone would be given away by the total, the rest rounded to
the nearest 5). The helper remembers the true value behind every suppressed cell, so a test
can check that no page ever shows one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal_common import taxonomy
from services.analytics.models import QUARTER, ROLLING_YEAR, Release, ReleaseCell

ADDITIVE = {
    "experience": taxonomy.EXPERIENCE,
    "setting": taxonomy.SETTINGS,
    "staff_group": taxonomy.STAFF_GROUPS,
    "internationally_recruited": taxonomy.INTERNATIONALLY_RECRUITED,
    "impact": taxonomy.IMPACT,
    "raised_formally": taxonomy.RAISED_FORMALLY,
}
MULTI = {"characteristics": taxonomy.CHARACTERISTICS, "sources": taxonomy.SOURCES, "themes": taxonomy.THEMES}


def quarter_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the quarter ``back`` quarters before the one holding ``day``."""
    index = day.year * 12 + (day.month - 1) // 3 * 3 - 3 * back
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_end(start: dt.date) -> dt.date:
    return quarter_start(start, -1) - dt.timedelta(days=1)


def rounded(value: int, base: int = 5) -> int:
    return int((value + base / 2) // base * base)


@dataclass
class Made:
    release_id: int
    totals: dict[str, int]  # scope -> true total
    hidden: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (scope, table, category) -> true

    @property
    def hidden_values(self) -> set[int]:
        """True values of suppressed cells that no shown figure could equal (not multiples of 5)."""
        return {v for v in self.hidden.values() if v % 5}


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` shared in proportion to ``weights`` (largest remainders), summing exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    for index in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[: total - sum(counts)]:
        counts[index] += 1
    return counts


class _Writer:
    def __init__(self, session, made: Made, k: int):
        self.session, self.made, self.k = session, made, k
        self.cells = self.suppressed = 0

    def table(self, scope: str, table: str, true: dict[str, int], *, additive: bool) -> None:
        hidden = {c for c, v in true.items() if 0 < v < self.k}
        if additive and len(hidden) == 1:  # one hidden cell alone could be worked out from the total
            spare = min((c for c, v in true.items() if v and c not in hidden), key=lambda c: true[c], default=None)
            if spare is not None:
                hidden.add(spare)
        for category, value in true.items():
            if category in hidden:
                self.made.hidden[(scope, table, category)] = value
                self.add(scope, table, category, "suppressed", None)
            elif value == 0:
                self.add(scope, table, category, "zero", 0)
            else:
                self.add(scope, table, category, "shown", rounded(value))

    def add(self, scope: str, table: str, category: str, status: str, value: int | None) -> None:
        self.session.add(
            ReleaseCell(
                release_id=self.made.release_id, scope=scope, table=table, category=category, status=status, value=value
            )
        )
        self.cells += 1
        self.suppressed += status == "suppressed"


def add_release(
    session,
    *,
    starts_on: dt.date,
    publish_on: dt.date,
    kind: str = QUARTER,
    organisations: dict[str, int] | None = None,
    k: int = 10,
    total_status: str | None = None,
) -> Made:
    """A release for ``starts_on``'s quarter (or the 12 months from it), with true totals per
    organisation; organisations below 2k get no scope of their own. ``total_status`` forces
    the system total's status (e.g. "suppressed", for a gap in the trend)."""
    organisations = {"DEMO1": 63, "DEMO2": 41, "DEMO3": 8} if organisations is None else organisations
    ends_on = quarter_end(starts_on) if kind == QUARTER else quarter_start(starts_on, -4) - dt.timedelta(days=1)
    release = Release(
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        publish_on=publish_on,
        built_on=min(publish_on, ends_on + dt.timedelta(days=1)),
        k=k,
        rounding=5,
        method="primary below k, complementary to protect totals",
    )
    session.add(release)
    session.flush()
    made = Made(release.id, {"": sum(organisations.values()), **organisations})
    writer = _Writer(session, made, k)
    writer.table("", "organisation", dict(organisations), additive=True)
    scopes = [""] + [code for code, total in organisations.items() if total >= 2 * k]
    for scope in scopes:
        total = made.totals[scope]
        if scope == "" and total_status == "suppressed":
            made.hidden[("", "total", "")] = total
            writer.add("", "total", "", "suppressed", None)
        else:
            writer.table(scope, "total", {"": total}, additive=False)
        for number, (table, choices) in enumerate(ADDITIVE.items()):
            codes = [c.code for c in choices] + ["not_given"]
            weights = [(7 * (i + number) % 11) + (30 if i == 0 else 0) for i in range(len(codes))]
            writer.table(scope, table, dict(zip(codes, _split(total, weights), strict=True)), additive=True)
        for table, choices in MULTI.items():
            codes = [c.code for c in choices]
            writer.table(
                scope,
                table,
                {c: (total * (9 - i % 9)) // 12 if i % 4 else 3 + i % 5 for i, c in enumerate(codes)},
                additive=False,
            )
        pairs = {
            "race+sex": total // 3,
            "age+race": 7,
            "disability+sex": 0,
            "race+religion_belief": total // 4,
            "age+sex": 4,
        }
        writer.table(scope, "characteristic_pairs", pairs, additive=False)
        combos = {"race": total // 2, "race+sex": total // 5, "religion_belief": 9, "other": total // 6}
        writer.table(scope, "characteristic_combinations", combos, additive=True)
    release.cells, release.suppressed = writer.cells, writer.suppressed
    return made


__all__ = ["QUARTER", "ROLLING_YEAR", "Made", "add_release", "quarter_end", "quarter_start", "rounded"]
