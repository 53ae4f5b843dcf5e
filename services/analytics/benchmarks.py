"""Benchmarks: published staff survey and WRES percentages, shown beside the report counts.

Two sources, each uploaded as published: the NHS Staff Survey organisational results workbook
(read by ``survey_workbook``) and Workforce Race Equality Standard indicators 5 to 8 as a tidy
CSV (read here). Every figure is a percentage of a base of staff who answered, so it gets a
95% Wilson score interval. None of this is a count of reports: reports are not prevalence.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from scipy import stats

from .models import WRES

ALL_STAFF = "All staff"
STAFF_SURVEY_SOURCE = "NHS Staff Survey"
MAX_ERRORS = 25  # row errors listed before "and N more"


@dataclass(frozen=True)
class Measure:
    code: str
    label: str  # what the percentage is of
    sources: tuple[str, ...] = ()  # report sources (taxonomy codes) to show beside it
    characteristic: str = ""  # or the characteristic to show beside it


SURVEY_MEASURES: tuple[Measure, ...] = (
    Measure(
        "nss_q14a",
        "Q14a: harassment, bullying or abuse from patients, service users, their relatives or the public "
        "(at least once in 12 months)",
        ("patient", "relative_visitor"),
    ),
    Measure(
        "nss_q14b",
        "Q14b: harassment, bullying or abuse from managers (at least once in 12 months)",
        ("line_manager", "senior_leader"),
    ),
    Measure(
        "nss_q14c",
        "Q14c: harassment, bullying or abuse from other colleagues (at least once in 12 months)",
        ("colleague",),
    ),
    Measure(
        "nss_q16a",
        "Q16a: discrimination from patients, service users, their relatives or the public",
        ("patient", "relative_visitor"),
    ),
    Measure(
        "nss_q16b",
        "Q16b: discrimination from a manager, team leader or other colleagues",
        ("line_manager", "senior_leader", "colleague"),
    ),
)

# Q16c asks those who were discriminated against on what grounds (more than one may apply).
# Each ground is a measure of its own, shown beside reports naming the matching characteristic.
GROUNDS: tuple[tuple[str, str, str, str], ...] = (
    # code, words that find it in a column heading, label, characteristic code
    ("ethnic_background", "ethnic", "Ethnic background", "race"),
    ("gender", "gender", "Gender", "sex"),
    ("religion", "religio", "Religion", "religion_belief"),
    ("sexual_orientation", "sexual orientation", "Sexual orientation", "sexual_orientation"),
    ("disability", "disabilit", "Disability", "disability"),
    ("age", "age", "Age", "age"),
    ("other", "other", "Other grounds", "other"),
)
GROUND_MEASURES: tuple[Measure, ...] = tuple(
    Measure(f"nss_q16c_{code}", f"Q16c: of those discriminated against, on grounds of {label.lower()}", (), char)
    for code, _words, label, char in GROUNDS
)

WRES_MEASURES: tuple[Measure, ...] = (
    Measure(
        "wres_5",
        "Indicator 5: harassment, bullying or abuse from patients, relatives or the public",
        ("patient", "relative_visitor"),
    ),
    Measure(
        "wres_6",
        "Indicator 6: harassment, bullying or abuse from staff",
        ("line_manager", "senior_leader", "colleague"),
    ),
    Measure("wres_7", "Indicator 7: believing the organisation offers equal opportunities for career progression"),
    Measure(
        "wres_8",
        "Indicator 8: discrimination from a manager, team leader or other colleagues",
        ("line_manager", "senior_leader", "colleague"),
    ),
)
MEASURES = {m.code: m for m in (*SURVEY_MEASURES, *GROUND_MEASURES, *WRES_MEASURES)}


def wilson_interval(percent: float, base: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval, in percent, for ``percent`` of ``base`` people.

    Unlike the plain p +/- z*se interval it never leaves 0 to 100 and stays sensible near the
    ends and for small bases. It takes the published percentage as it is (survey percentages
    are often weighted, so they need not be a whole number of people)."""
    if base <= 0:
        raise ValueError("a percentage of nobody has no interval")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p, n = percent / 100, base
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / scale
    low = 0.0 if p <= 0 else max(0.0, 100 * (centre - half))
    high = 100.0 if p >= 1 else min(100.0, 100 * (centre + half))
    return low, high


@dataclass(frozen=True)
class Row:
    """One figure ready to store."""

    org_code: str
    year: int
    source: str
    measure: str
    group_label: str
    percent: float | None
    base: int | None


class UploadError(ValueError):
    """The file cannot be used; ``messages`` say why, each on its own."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def capped(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_ERRORS:
        return messages
    return [*messages[:MAX_ERRORS], f"and {len(messages) - MAX_ERRORS} more problems like these"]


# -- WRES indicators 5 to 8, as a tidy CSV ----------------------------------------------------

WRES_COLUMNS = ("org_code", "year", "source", "indicator", "group", "percent", "base")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rows_list(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return ("row " if len(rows) == 1 else "rows ") + shown + more


def parse_wres_csv(data: bytes, known: set[str], allowed: set[str] | None = None) -> list[Row]:
    """Every row of a WRES CSV, checked; UploadError lists everything wrong, by row number
    (the header is row 1, as in a spreadsheet). ``allowed``: the organisations this lead may
    upload figures for (None: any known organisation)."""
    if b"\x00" in data:
        raise UploadError(["The file is not a CSV text file. Save the sheet as 'CSV UTF-8' and upload that."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(["The file is not UTF-8 text. Save the sheet as 'CSV UTF-8' and upload that."]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UploadError(["The file is empty."]) from None
    except csv.Error:
        raise UploadError(["The file could not be read as CSV."]) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in WRES_COLUMNS if c not in names]
    extra = [h for h in names if h and h not in WRES_COLUMNS]
    problems = []
    if missing:
        columns = ", ".join(WRES_COLUMNS)
        problems.append(f"The first row must name the columns {columns}. Missing: {', '.join(missing)}.")
    if extra:
        problems.append(f"Columns we do not use: {', '.join(extra)}. Remove them, so nothing is read by mistake.")
    if problems:
        raise UploadError(problems)
    index = {name: names.index(name) for name in WRES_COLUMNS}
    rows: list[Row] = []
    errors: list[str] = []
    unknown: dict[str, list[int]] = {}
    outside: dict[str, list[int]] = {}
    seen: dict[tuple, int] = {}
    try:
        lines = list(reader)
    except csv.Error:
        raise UploadError(["The file could not be read as CSV (a quoted value is not closed)."]) from None
    for number, line in enumerate(lines, start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            errors.append(f"Row {number}: has {len(line)} values, but the first row names {len(header)} columns.")
            continue
        value = {name: line[i].strip() for name, i in index.items()}
        bad = []
        code = value["org_code"].upper()
        if not code:
            bad.append("org_code is empty")
        elif code not in known:
            unknown.setdefault(code, []).append(number)
        elif allowed is not None and code not in allowed:
            outside.setdefault(code, []).append(number)
        year = int(value["year"]) if value["year"].isdigit() else 0
        if not 2000 <= year <= 2100:
            bad.append(f"year must be a year such as 2024 (found '{value['year'][:20]}')")
        if not value["source"] or len(value["source"]) > 60:
            bad.append("source must be filled in, in 60 characters or fewer")
        indicator = value["indicator"]
        if indicator not in ("5", "6", "7", "8"):
            bad.append(f"indicator must be 5, 6, 7 or 8 (found '{indicator[:20]}')")
        if not value["group"] or len(value["group"]) > 120:
            bad.append("group must be filled in, in 120 characters or fewer")
        percent = _number(value["percent"])
        if percent is None or not 0 <= percent <= 100:
            bad.append(f"percent must be a number from 0 to 100 (found '{value['percent'][:20]}')")
        base = int(value["base"]) if value["base"].isdigit() else 0
        if base <= 0:
            bad.append(f"base must be a whole number of people above 0 (found '{value['base'][:20]}')")
        if bad:
            errors.append(f"Row {number}: " + "; ".join(bad) + ".")
            continue
        key = (code, year, value["source"].lower(), indicator, value["group"].lower())
        if key in seen:
            errors.append(f"Row {number}: repeats row {seen[key]} (same organisation, year, source, indicator, group).")
            continue
        seen[key] = number
        rows.append(Row(code, year, value["source"], f"wres_{indicator}", value["group"], percent, base))
    if unknown:
        listed = "; ".join(f"{code} ({_rows_list(at)})" for code, at in sorted(unknown.items()))
        errors.insert(
            0,
            f"Organisation codes we do not know: {listed}. Use the codes in the organisation list "
            f"({', '.join(sorted(known))}).",
        )
    if outside:
        listed = "; ".join(f"{code} ({_rows_list(at)})" for code, at in sorted(outside.items()))
        errors.insert(0, f"Your lead access does not cover these organisations: {listed}.")
    if errors:
        raise UploadError(capped(errors))
    if not rows:
        raise UploadError(["The file has a header row but no figures."])
    return rows


def wres_summary(rows: list[Row]) -> str:
    years = sorted({r.year for r in rows})
    orgs = sorted({r.org_code for r in rows})
    span = str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"
    return f"WRES indicators, {span}: {len(rows)} figures for {', '.join(orgs)}"[:300]


KIND_LABELS = {WRES: "WRES indicators (CSV)"}
