"""Read questions 14a-c and 16a-c from the NHS Staff Survey organisational results workbook.

The layout supported, and how it was learnt, is in docs/benchmarks.md. In short: each sheet
covers a few questions; above a header row, a cell such as "Q14a - ... harassment, bullying
or abuse ... from managers" starts the block of columns that question's answers fill (the cell
is merged across them); the header row names an organisation code column ("ODS code" or
similar) and, under each question, its answers ("% Never", "% Yes", "% Ethnic background", ...)
and "Base (number of responses)"; each row below is one organisation (or one breakdown group).

Questions are found by their wording where the heading has it, else by their number, never by
cell address, so a column moved or a sheet renamed does not matter. A workbook missing any of
the six questions, or an answer column a question needs, is refused with a message naming what
is missing.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .benchmarks import ALL_STAFF, GROUNDS, STAFF_SURVEY_SOURCE, Row, UploadError, capped

HEADER_SCAN = 20  # the header row is looked for in each sheet's first rows
MAX_UNPACKED = 400 * 1024 * 1024  # refuse a workbook that unzips to more than this (a zip bomb)
CODE_HEADER = re.compile(r"^(ods|org|organisation|organization|trust|provider)\s*code$", re.I)
QUESTION = re.compile(r"^\s*Q(?:uestion)?\s*(\d{1,2})\s*([a-z])?(?![a-z0-9])\s*[-\u2013\u2014:.]?\s*(.*)$", re.I | re.S)
GROUP_HEADERS = {"breakdown value", "breakdown group", "group", "subgroup", "sub-group", "breakdown category"}
WANTED = ("14a", "14b", "14c", "16a", "16b", "16c")
WHAT = {
    "14a": "harassment, bullying or abuse from patients, service users, their relatives or the public",
    "14b": "harassment, bullying or abuse from managers",
    "14c": "harassment, bullying or abuse from other colleagues",
    "16a": "discrimination from patients, service users, their relatives or the public",
    "16b": "discrimination from a manager, team leader or other colleagues",
    "16c": "the grounds of discrimination",
}


def classify(number: str, wording: str) -> str | None:
    """Which of the six questions a heading is: by its wording when that names the topic
    (question numbers have moved between survey years), else by its number."""
    text = " ".join(wording.lower().split())
    if "report" in text:  # "did you or a colleague report it?" follows each topic: not ours
        return None
    harassment = "harassment" in text or "bullying" in text
    discrimination = "discriminat" in text
    public = any(word in text for word in ("patient", "service user", "public", "relative"))
    manager, colleague = "manager" in text, "colleague" in text
    if discrimination:
        if "grounds" in text:
            return "16c"
        if public:
            return "16a"
        if manager or colleague:
            return "16b"
        return None
    if harassment:
        if public:
            return "14a"
        if manager and not colleague:
            return "14b"
        if colleague:
            return "14c"
        return None
    if any(word in text for word in ("violence", "sexual nature", "unwanted")):
        return None  # physical violence and sexual safety questions sit beside ours
    return number if number in WANTED else None


@dataclass
class Block:
    """The columns of one question in one sheet."""

    question: str
    columns: list[int] = field(default_factory=list)


@dataclass
class Found:
    rows: dict[tuple[str, str, str], Row] = field(default_factory=dict)
    questions: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)  # organisations in the workbook that are not ours
    header_seen: bool = False
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _open(data: bytes):
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadError(
            ["The file is not an Excel workbook (.xlsx). An older .xls file must be saved as .xlsx first."]
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise UploadError(["The file is a zip archive but not an Excel workbook (.xlsx)."])
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise UploadError(["The workbook is too large once unpacked for us to read safely."])
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, IndexError, TypeError, ValueError, OSError):
        # what openpyxl raises for a damaged workbook, or one saved with a password
        raise UploadError(
            ["The workbook could not be opened: it may be damaged or protected with a password."]
        ) from None


def _blocks(label_rows: list[list[Any]], width: int) -> list[Block]:
    """Question blocks from the rows above the header: a question heading applies to its own
    column and the empty (merged) cells to its right, until the next heading or other text."""
    per_column: list[tuple[str, str]] = [("", "")] * width
    for row in label_rows:
        current: tuple[str, str] | None = None
        for column in range(width):
            text = _text(row[column]) if column < len(row) else ""
            match = QUESTION.match(text) if text else None
            if match:
                current = (match.group(1) + (match.group(2) or "").lower(), match.group(3))
            elif text:
                current = None
            if current is not None:
                number, wording = per_column[column]
                # the most specific number wins ("14a" under a "14" stem); wordings join up
                chosen = current[0] if len(current[0]) >= len(number) else number
                per_column[column] = (chosen, f"{wording} {current[1]}".strip())
    blocks: list[Block] = []
    previous: tuple[str, str] = ("", "")
    for column, (number, wording) in enumerate(per_column):
        question = classify(number, wording) if number else None
        if question is None:
            previous = ("", "")
            continue
        if (number, wording) != previous or not blocks or blocks[-1].question != question:
            blocks.append(Block(question))
        blocks[-1].columns.append(column)
        previous = (number, wording)
    return blocks


def _percent(cell: Any) -> float | None:
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # "*", "-" or blank: the survey withheld it (too few responses)
    if "%" in (getattr(cell, "number_format", None) or ""):
        value = value * 100  # stored as a fraction, shown as a percentage
    return float(value)


def _where(sheet: str, row: int, column: int) -> str:
    return f"sheet '{sheet}', cell {get_column_letter(column + 1)}{row}"


def _answers(block: Block, header: list[str], sheet: str, found: Found) -> dict[str, int] | None:
    """Which column holds what this question needs: {"base": col, "never"/"yes"/ground: col}."""
    columns: dict[str, int] = {}
    for column in block.columns:
        text = header[column].lower() if column < len(header) else ""
        if not text:
            continue
        if "base" in text or "responses" in text or "respondents" in text:
            columns.setdefault("base", column)
        elif block.question.startswith("14") and "never" in text:
            columns["never"] = column
        elif block.question in ("16a", "16b") and re.search(r"\byes\b", text):
            columns["yes"] = column
        elif block.question == "16c":
            for code, words, _label, _char in GROUNDS:
                if re.search(rf"\b{words}", text) and code not in columns:
                    columns[code] = column
                    break
    needed = {"14": ("never", "'% Never'"), "16": ("yes", "'% Yes'")}
    problems = []
    if "base" not in columns:
        problems.append("a 'Base (number of responses)' column")
    if block.question == "16c":
        if not any(code in columns for code, *_rest in GROUNDS):
            problems.append("a column for any of the grounds (such as '% Ethnic background')")
    else:
        key, words = needed[block.question[:2]]
        if key not in columns:
            problems.append(f"a {words} column")
    if problems:
        found.errors.append(
            f"Question {block.question} ({WHAT[block.question]}) in sheet '{sheet}' lacks "
            + " and ".join(problems)
            + " under its heading."
        )
        return None
    return columns


def _group(values: dict[str, str]) -> str:
    parts = [values.get("breakdown", ""), values.get("group", "")]
    label = ": ".join(p for p in parts if p) or ALL_STAFF
    if values.get("weighting"):
        label = f"{label} ({values['weighting']})"
    return label[:120]


def _read_sheet(sheet, year: int, known: set[str], found: Found) -> None:
    rows = sheet.iter_rows()
    top: list[list[Any]] = []
    header_at = None
    for index, cells in enumerate(rows):
        values = [getattr(c, "value", None) for c in cells]
        top.append(values)
        if any(CODE_HEADER.match(_text(v)) for v in values):
            header_at = index
            break
        if index + 1 >= HEADER_SCAN:
            return
    if header_at is None:
        return
    found.header_seen = True
    header = [_text(v) for v in top[header_at]]
    code_column = next(i for i, h in enumerate(header) if CODE_HEADER.match(h))
    extra = {}
    for i, h in enumerate(header):
        name = h.lower()
        if name == "breakdown":
            extra["breakdown"] = i
        elif name in GROUP_HEADERS:
            extra["group"] = i
        elif name == "weighting":
            extra["weighting"] = i
    blocks = [b for b in _blocks(top[:header_at], len(header)) if b.question not in found.questions]
    plans = []
    for block in blocks:
        columns = _answers(block, header, sheet.title, found)
        if columns is not None:
            plans.append((block.question, columns))
    seen_here = {question for question, _c in plans}
    for row_number, cells in enumerate(rows, start=header_at + 2):
        cells = list(cells)
        code = _text(cells[code_column].value if code_column < len(cells) else None).upper()
        if not code or code.startswith("*"):
            continue
        if code not in known:
            found.others.add(code)
            continue
        group = _group({k: _text(cells[i].value) if i < len(cells) else "" for k, i in extra.items()})
        for question, columns in plans:
            base_cell = cells[columns["base"]] if columns["base"] < len(cells) else None
            base_value = getattr(base_cell, "value", None)
            base = None
            if isinstance(base_value, int | float) and not isinstance(base_value, bool):
                if base_value < 0 or base_value != int(base_value):
                    found.errors.append(
                        f"{_where(sheet.title, row_number, columns['base'])}: a base must be a whole number of "
                        f"people (found {base_value})."
                    )
                    continue
                base = int(base_value) or None
            figures: list[tuple[str, float | None]] = []
            if question.startswith("14"):
                never = _percent(cells[columns["never"]]) if columns["never"] < len(cells) else None
                figures.append((f"nss_q{question}", None if never is None else 100 - never))
                checked = [(columns["never"], never)]
            elif question in ("16a", "16b"):
                yes = _percent(cells[columns["yes"]]) if columns["yes"] < len(cells) else None
                figures.append((f"nss_q{question}", yes))
                checked = [(columns["yes"], yes)]
            else:
                checked = []
                for code_, *_rest in GROUNDS:
                    if code_ in columns:
                        value = _percent(cells[columns[code_]]) if columns[code_] < len(cells) else None
                        figures.append((f"nss_q16c_{code_}", value))
                        checked.append((columns[code_], value))
            wrong = [(c, v) for c, v in checked if v is not None and not 0 <= v <= 100]
            if wrong:
                column, value = wrong[0]
                found.errors.append(
                    f"{_where(sheet.title, row_number, column)}: a percentage must be from 0 to 100 (found {value:g})."
                )
                continue
            for measure, percent in figures:
                key = (code, measure, group)
                if key not in found.rows:
                    found.rows[key] = Row(code, year, STAFF_SURVEY_SOURCE, measure, group, percent, base)
    found.questions |= seen_here


def parse_staff_survey(data: bytes, year: int, known: set[str], allowed: set[str] | None = None) -> list[Row]:
    """The six questions' figures for our organisations (``allowed``, if given, narrows them)."""
    workbook = _open(data)
    keep = known if allowed is None else known & allowed
    found = Found()
    try:
        for sheet in workbook.worksheets:
            _read_sheet(sheet, year, keep, found)
    finally:
        workbook.close()
    errors = list(found.errors)
    if not found.header_seen:
        errors.insert(
            0,
            "No sheet has a header row with a column of organisation codes (a heading such as 'ODS code' or "
            f"'Organisation code' in its first {HEADER_SCAN} rows), so we cannot tell whose figures are whose.",
        )
    else:
        missing = [q for q in WANTED if q not in found.questions]
        if missing:
            listed = "; ".join(f"Q{q} ({WHAT[q]})" for q in missing)
            errors.append(
                f"We could not find {'this question' if len(missing) == 1 else 'these questions'} in the workbook: "
                f"{listed}. Each needs a heading starting with its number, such as 'Q14a - ...', above its columns."
            )
    if errors:
        raise UploadError(capped(errors))
    if not found.rows:
        ours = ", ".join(sorted(keep))
        raise UploadError(
            [
                f"The workbook has figures for {len(found.others)} organisations, but none for "
                f"{'yours' if allowed is not None else 'the organisations in our list'} ({ours}). Check that the "
                "organisation list uses the same codes as the survey (ODS codes)."
            ]
        )
    return list(found.rows.values())


def survey_summary(rows: list[Row], year: int) -> str:
    orgs = sorted({r.org_code for r in rows})
    return f"NHS Staff Survey {year}: questions 14a-c and 16a-c for {', '.join(orgs)}"[:300]
