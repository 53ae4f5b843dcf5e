"""Before/after confidence, matched through the learner key and reported only in aggregate.

For each learner who answered both "before" and "after" under the same version of the
instrument (the current one), a score per D (the mean of that D's items) and an overall score
(the mean of every item) are compared as after minus before. For a group of such pairs:

- the share who improved, stayed the same and fell, and the median change;
- the Wilcoxon signed-rank test (scipy.stats.wilcoxon) with ``zero_method="wilcox"``: pairs
  whose score did not change are left out of the ranking and the test (they are reported in
  "stayed the same"), so N, the number of pairs the test ranks, is the number that changed;
- the matched-pairs rank-biserial correlation, r_rb = (T+ - T-) / (T+ + T-), where T+ and T-
  are the sums of the ranks of the rises and falls (Kerby's simple difference formula);
- Z from the normal approximation to T+, corrected for tied ranks, without a continuity
  correction, and r = Z / sqrt(N) with that same N.

Any group of fewer than K = 10 pairs shows ``[c]`` in place of every figure, the count of pairs
included. The p-value is scipy's, by its default method for the size of the group (exact for
small groups, the normal approximation for large ones); Z is always the approximation.

The follow-up reports the share of those who answered it who had a chance to act, and which
Ds those who acted used; a count of 1 to 9 is ``[c]`` and no share is shown for it. The
confidence answers given at the follow-up are compared with "before" in the same way as
"after" is (all learners only: the follow-up groups are smaller), to show whether the change
lasted.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from scipy import stats
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from .curriculum import FIVE_DS, TAG_BY_CODE
from .learning import K
from .measures import ACTED, AFTER, BEFORE, FOLLOW_UP, Instrument
from .models import Cohort, CohortMember, ConfidenceResponse

SUPPRESSED = "[c]"
OVERALL = "overall"
ZERO_METHOD = "wilcox"
INT_ONLY = {int}


@dataclass(frozen=True)
class Paired:
    """The figures for one group of pairs on one measure (unrounded)."""

    pairs: int
    improved: int
    same: int
    fell: int
    median_change: float
    n: int  # pairs whose score changed: what the test ranks, and the N in r = Z / sqrt(N)
    t_plus: float
    t_minus: float
    statistic: float | None  # scipy's W: the smaller of T+ and T- (two-sided)
    p_value: float | None
    z: float | None
    r: float | None
    rank_biserial: float | None


def paired(differences: Sequence[float] | np.ndarray) -> Paired:
    """The statistics for one group's after-minus-before differences."""
    d = np.asarray(differences, dtype=float)
    if d.size == 0:
        raise ValueError("no pairs")
    changed = d[d != 0]
    n = int(changed.size)
    improved, fell = int((d > 0).sum()), int((d < 0).sum())
    median = float(np.median(d))
    if n == 0:
        return Paired(int(d.size), 0, int(d.size), 0, median, 0, 0.0, 0.0, None, None, None, None, None)
    ranks = stats.rankdata(np.abs(changed), method="average")
    t_plus, t_minus = float(ranks[changed > 0].sum()), float(ranks[changed < 0].sum())
    rank_biserial = (t_plus - t_minus) / (t_plus + t_minus)
    _, tie_counts = np.unique(ranks, return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24 - float((tie_counts**3 - tie_counts).sum()) / 48
    z = (t_plus - n * (n + 1) / 4) / math.sqrt(variance) if variance > 0 else 0.0
    test = stats.wilcoxon(changed, zero_method=ZERO_METHOD, alternative="two-sided")
    return Paired(
        pairs=int(d.size),
        improved=improved,
        same=int(d.size) - n,
        fell=fell,
        median_change=median,
        n=n,
        t_plus=t_plus,
        t_minus=t_minus,
        statistic=float(test.statistic),
        p_value=float(test.pvalue),
        z=z,
        r=z / math.sqrt(n),
        rank_biserial=rank_biserial,
    )


# -- as people may see it -------------------------------------------------------------------


def _signed(value: float, places: int = 2) -> str:
    text = f"{value:+.{places}f}"
    return "0" if float(text) == 0 else text


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


@dataclass(frozen=True)
class Row:
    """One measure for one group, every figure a string ready for a page or a file."""

    measure: str  # overall or a D code
    label: str
    suppressed: bool
    pairs: str
    median_change: str
    improved: str
    same: str
    fell: str
    n: str
    statistic: str
    p_value: str
    z: str
    r: str
    rank_biserial: str

    FIELDS = ("pairs", "median_change", "improved", "same", "fell", "n", "statistic", "p_value", "z", "r",
              "rank_biserial")

    def values(self) -> list[str]:
        return [getattr(self, f) for f in self.FIELDS]


def row(measure: str, differences: Sequence[float] | np.ndarray, k: int = K) -> Row:
    label = "All five Ds" if measure == OVERALL else TAG_BY_CODE[measure].label
    if len(differences) < k:
        return Row(measure, label, True, *([SUPPRESSED] * len(Row.FIELDS)))
    f = paired(differences)
    tested = f.n > 0
    return Row(
        measure=measure,
        label=label,
        suppressed=False,
        pairs=str(f.pairs),
        median_change=_signed(f.median_change),
        improved=_share(f.improved, f.pairs),
        same=_share(f.same, f.pairs),
        fell=_share(f.fell, f.pairs),
        n=str(f.n),
        statistic=f"{f.statistic:g}" if tested and f.statistic is not None else "-",
        p_value=_p(f.p_value),
        z=_signed(f.z) if f.z is not None else "-",
        r=_signed(f.r) if f.r is not None else "-",
        rank_biserial=_signed(f.rank_biserial) if f.rank_biserial is not None else "-",
    )


# -- from the stored answers ------------------------------------------------------------------


MEASURES: tuple[str, ...] = (OVERALL, *FIVE_DS)


def scores(instrument: Instrument, answers: dict) -> dict[str, float] | None:
    """A learner's score per D and overall from one set of answers, or None if any item is missing."""
    try:
        values = {item.id: float(answers[item.id]) for item in instrument.items}
    except (KeyError, TypeError, ValueError):
        return None
    result = {d: statistics.fmean(values[i.id] for i in instrument.items_for(d)) for d in FIVE_DS}
    result[OVERALL] = statistics.fmean(values.values())
    return result


@dataclass(frozen=True)
class Pairs:
    """Every matched pair: ``changes[i, j]`` is learner i's after minus before on MEASURES[j]."""

    learners: list[str]
    changes: np.ndarray

    def of(self, learner: str) -> dict[str, float]:
        row = self.changes[self.learners.index(learner)]
        return {m: float(row[j]) for j, m in enumerate(MEASURES)}


def _weights(instrument: Instrument) -> np.ndarray:
    """items x measures: the weight of each item in each measure's mean."""
    weights = np.zeros((len(instrument.items), len(MEASURES)))
    weights[:, 0] = 1 / len(instrument.items)
    for j, d in enumerate(FIVE_DS, 1):
        mine = [n for n, item in enumerate(instrument.items) if item.d == d]
        weights[mine, j] = 1 / len(mine)
    return weights


def differences(session: Session, instrument: Instrument, later: str = AFTER) -> Pairs:
    """Every learner who answered before and ``later`` (after, or the follow-up) under the current
    version, with their changes."""
    ids = [item.id for item in instrument.items]
    # The answers come back as JSON text and are decoded here in one pass: measured on
    # PostgreSQL, that is faster than the driver's decoding or extracting each item in SQL.
    rows = session.connection().execute(
        select(ConfidenceResponse.learner, ConfidenceResponse.stage, cast(ConfidenceResponse.scores, Text)).where(
            ConfidenceResponse.stage.in_((BEFORE, later)),
            ConfidenceResponse.instrument_version == instrument.version,
        )
    ).all()  # fetched in one go: row by row, psycopg's per-row checks cost a third of the time
    values = instrument.values
    stages: dict[str, dict[str, list[int]]] = {BEFORE: {}, later: {}}
    for learner, stage, answers in rows:
        try:
            parsed = json.loads(answers)
            found = [parsed[i] for i in ids]
        except (KeyError, TypeError, ValueError):
            continue
        # Whole numbers on the scale only (not True, 3.0 or "3"); checked in C, not a Python loop per
        # item: this check was a third of the time of the statistics at 10,000 learners.
        if set(map(type, found)) == INT_ONLY and values.issuperset(found):
            stages[stage][learner] = found
    learners = sorted(stages[BEFORE].keys() & stages[later].keys())
    if not learners:
        return Pairs([], np.zeros((0, len(MEASURES))))
    before = np.array([stages[BEFORE][learner] for learner in learners], dtype=float)
    after = np.array([stages[later][learner] for learner in learners], dtype=float)
    return Pairs(learners, (after - before) @ _weights(instrument))


@dataclass(frozen=True)
class Group:
    name: str
    cohort_id: int | None
    suppressed: bool
    rows: list[Row]


def group(name: str, cohort_id: int | None, changes: np.ndarray, k: int = K) -> Group:
    """The rows of one group from its learners' changes (learners x MEASURES)."""
    rows = [row(m, changes[:, j], k) for j, m in enumerate(MEASURES)]
    return Group(name, cohort_id, len(changes) < k, rows)


@dataclass(frozen=True)
class FollowUp:
    suppressed: bool
    answered: str
    acted: dict[str, tuple[str, str]]  # yes/no/not_sure -> (protected count, share)
    ds_used: dict[str, tuple[str, str]]  # D -> (protected count, share of those who acted)


def protect(count: int, k: int = K) -> str:
    """1 to 9 as [c]; 0 and counts of k or more as they are (a share is shown beside them)."""
    return SUPPRESSED if 0 < count < k else str(count)


def follow_up(session: Session, k: int = K) -> FollowUp:
    rows = session.execute(
        select(ConfidenceResponse.acted, ConfidenceResponse.ds_used).where(ConfidenceResponse.stage == FOLLOW_UP)
    ).all()
    total = len(rows)
    if total < k:
        return FollowUp(True, SUPPRESSED, {a: (SUPPRESSED, SUPPRESSED) for a in ACTED},
                        {d: (SUPPRESSED, SUPPRESSED) for d in FIVE_DS})

    def cell(count: int, whole: int) -> tuple[str, str]:
        if 0 < count < k:
            return SUPPRESSED, SUPPRESSED
        return str(count), _share(count, whole)

    acted = {a: sum(1 for r in rows if r.acted == a) for a in ACTED}
    used = {d: sum(1 for r in rows if r.acted == "yes" and d in (r.ds_used or ())) for d in FIVE_DS}
    return FollowUp(
        False,
        str(total),
        {a: cell(n, total) for a, n in acted.items()},
        {d: cell(n, acted["yes"]) if acted["yes"] >= k else (SUPPRESSED, SUPPRESSED) for d, n in used.items()},
    )


@dataclass(frozen=True)
class Report:
    k: int
    overall: Group
    cohorts: list[Group]
    follow_up: FollowUp
    instrument_version: int
    sustained: Group  # before against the three-month follow-up: is the change still there?


def report(session: Session, instrument: Instrument, k: int = K) -> Report:
    pairs = differences(session, instrument)
    index = {learner: n for n, learner in enumerate(pairs.learners)}
    members: dict[int, list[int]] = {}
    for cohort_id, learner in session.connection().execute(select(CohortMember.cohort_id, CohortMember.learner)):
        if learner in index:
            members.setdefault(cohort_id, []).append(index[learner])
    cohorts = [
        group(name, cohort_id, pairs.changes[members.get(cohort_id, [])], k)
        for cohort_id, name in session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.name, Cohort.id))
    ]
    later = differences(session, instrument, FOLLOW_UP)
    return Report(
        k,
        group("All learners", None, pairs.changes, k),
        cohorts,
        follow_up(session, k),
        instrument.version,
        group("Three months on: before against the follow-up", None, later.changes, k),
    )


# -- files ---------------------------------------------------------------------------------------

FIELD_LABELS = {
    "pairs": "Pairs",
    "median_change": "Median change",
    "improved": "Improved",
    "same": "Stayed the same",
    "fell": "Fell",
    "n": "N (pairs that changed)",
    "statistic": "Wilcoxon W",
    "p_value": "p",
    "z": "Z",
    "r": "r = Z / sqrt(N)",
    "rank_biserial": "Rank-biserial r",
}
ACTED_LABELS = {"yes": "Had a chance and acted", "no": "No chance came up", "not_sure": "Not sure"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rule_text(k: int = K) -> str:
    return (
        f"Pairs are learners who answered before and after under the version of the measure in use. "
        f"Any group of fewer than {k} pairs shows [c] for every figure. Wilcoxon signed-rank test with "
        f"zero_method='{ZERO_METHOD}': pairs with no change are left out of the test, so N is the number of "
        f"pairs that changed. Scores run from 1 to 5; a change is after minus before."
    )


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (a cohort's name, say). A number
    such as "-0.50" is left as it is."""
    if text.startswith(FORMULA_STARTS) and not re.fullmatch(r"[-+]\d+(\.\d+)?", text):
        return "'" + text
    return text


def tidy(found: Report) -> list[list[str]]:
    """One row per published figure: section, group, measure, statistic, value."""
    rows = []
    for section, grp in [("confidence", g) for g in (found.overall, *found.cohorts)] + [
        ("three_months_on", found.sustained)
    ]:
        for r in grp.rows:
            for f in Row.FIELDS:
                rows.append([section, grp.name, r.label, FIELD_LABELS[f], getattr(r, f)])
    fu = found.follow_up
    rows.append(["follow_up", "All learners", "Answered the follow-up", "Learners", fu.answered])
    for a, (count, share) in fu.acted.items():
        rows.append(["follow_up", "All learners", ACTED_LABELS[a], "Learners", count])
        rows.append(["follow_up", "All learners", ACTED_LABELS[a], "Share of those who answered", share])
    for d, (count, share) in fu.ds_used.items():
        rows.append(["follow_up", "All learners", f"Used {TAG_BY_CODE[d].label}", "Learners", count])
        rows.append(["follow_up", "All learners", f"Used {TAG_BY_CODE[d].label}", "Share of those who acted", share])
    return rows


def to_csv(found: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "group", "measure", "statistic", "value", "k", "zero_method", "instrument_version"])
    for r in tidy(found):
        writer.writerow([*(safe_text(v) for v in r), found.k, ZERO_METHOD, found.instrument_version])
    return out.getvalue().encode("utf-8")


def to_xlsx(found: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Confidence"
    header = ["Group", "Measure", *(FIELD_LABELS[f] for f in Row.FIELDS)]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for grp in (found.overall, *found.cohorts, found.sustained):
        for r in grp.rows:
            sheet.append([safe_text(grp.name), r.label, *r.values()])
    for column in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18
    follow = book.create_sheet("Follow-up")
    follow.append(["Answer", "Learners", "Share"])
    follow.append(["Answered the follow-up", found.follow_up.answered, ""])
    for a, (count, share) in found.follow_up.acted.items():
        follow.append([ACTED_LABELS[a], count, share])
    for d, (count, share) in found.follow_up.ds_used.items():
        follow.append([f"Used {TAG_BY_CODE[d].label} (share of those who acted)", count, share])
    notes = book.create_sheet("Notes")
    notes.append(["How these figures were made"])
    notes.append([rule_text(found.k)])
    notes.append([f"Version of the confidence measure: {found.instrument_version}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
