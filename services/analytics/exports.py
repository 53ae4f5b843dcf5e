"""The leads' figures as files: tidy CSV and an XLSX workbook, built from one release.

Pure functions: a release and the cells of one scope in, bytes out. They read nothing but
what the release builder has already protected, and they protect it once more on the way
out: a cell whose status is not one the release format knows, or a shown figure below k,
is exported as ``[c]`` like any suppressed cell, so nothing below k ever leaves in a file.

Both files are tidy (one row per published number) and state the rule that protected them:
the CSV in its ``status``, ``k`` and ``rounding`` columns, the workbook in its Notes sheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import published
from .models import Release
from .published import PAIRS, SYSTEM, TOPICS, Count

SHOWN, SUPPRESSED_MARK, ZERO = "shown", "[c]", "zero"
TOTAL = "total"
CSV_COLUMNS = (
    "release",
    "period_start",
    "period_end",
    "scope",
    "table",
    "category",
    "label",
    "status",
    "value",
    "k",
    "rounding",
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
C_MEANING = (
    "[c] marks a number that is not published: fewer than {k} reports, or hidden so that another hidden "
    "number cannot be worked out from the totals."
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class TidyRow:
    category: str
    label: str
    status: str  # shown, [c] or zero
    value: int | None  # rounded; None for [c]
    # The share of the scope's total, from the rounded figures: a fraction, "[c]" when either
    # figure is hidden, "-" when the total is zero, None for a table without shares.
    share: float | str | None = None


@dataclass(frozen=True)
class TidyTable:
    name: str
    title: str
    rows: list[TidyRow]
    has_share: bool

    @property
    def suppressed(self) -> int:
        return sum(row.status == SUPPRESSED_MARK for row in self.rows)


def exported(count: Count, k: int) -> tuple[str, int | None]:
    """The status and value a file may carry for one published number."""
    if count.status == published.ZERO and not count.value:
        return ZERO, 0
    if count.status == published.SHOWN and count.value is not None and count.value >= k:
        return SHOWN, count.value
    return SUPPRESSED_MARK, None  # suppressed, unknown, or a shown figure below k: never exported


def _share(value: int | None, total: int | None) -> float | str:
    if value is None or total is None:
        return SUPPRESSED_MARK
    return value / total if total else "-"


def table_names(scope: str, cells: dict[str, dict[str, Count]]) -> list[str]:
    """The tables of one scope in the dashboard's order, then any others the release holds."""
    names = [TOTAL]
    for topic in TOPICS:
        if topic.system_only and scope != SYSTEM:
            continue
        names += [name for name in topic.tables if name in cells]
    return names + sorted(name for name in cells if name not in names)


def tidy_tables(release: Release, scope: str, cells: dict[str, dict[str, Count]], names: dict[str, str]):
    """Every table of one scope of a release, as rows ready for a file."""
    k = release.k
    total_status, total_value = exported(published.total_of(cells), k)
    tables = [
        TidyTable(
            TOTAL,
            "Reports in the period",
            [TidyRow("", "All reports", total_status, total_value)],
            has_share=False,
        )
    ]
    for name in table_names(scope, cells)[1:]:
        if name == PAIRS:
            source = published.pairs_table(cells)
        elif name == published.COMBINATIONS:
            source = published.combinations_table(cells)
        else:
            source = published.category_table(name, cells, names)
        has_share = name != PAIRS
        rows = []
        for row in source.rows:
            status, value = exported(row.count, k)
            rows.append(TidyRow(row.code, row.label, status, value, _share(value, total_value) if has_share else None))
        tables.append(TidyTable(name, source.title, rows, has_share))
    return tables


def scope_code(scope: str) -> str:
    return "system" if scope == SYSTEM else scope


def safe_text(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# -- CSV -----------------------------------------------------------------------------------


def to_csv(release: Release, scope: str, tables: list[TidyTable]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for table in tables:
        for row in table.rows:
            writer.writerow(
                [
                    release.id,
                    release.starts_on.isoformat(),
                    release.ends_on.isoformat(),
                    safe_text(scope_code(scope)),
                    safe_text(table.name),
                    safe_text(row.category),
                    safe_text(row.label),
                    row.status,
                    "" if row.value is None else row.value,
                    release.k,
                    release.rounding,
                ]
            )
    return out.getvalue().encode("utf-8")


# -- XLSX ----------------------------------------------------------------------------------

BOLD = Font(bold=True)


def _text_cell(sheet, row: int, column: int, text: str) -> None:
    """A text cell: openpyxl would store text starting with "=" as a formula, so say it is text."""
    cell = sheet.cell(row=row, column=column, value=text)
    cell.data_type = "s"


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def rule_text(release: Release) -> str:
    return (
        f"Counts below {release.k} are suppressed and shown as [c], with further cells hidden where a "
        f"suppressed count could otherwise be worked out ({release.method}). Every other count is rounded to "
        f"the nearest {release.rounding}; percentages are worked out from the rounded counts."
    )


def notes(release: Release, scope_name: str, tables: list[TidyTable]) -> list[tuple[str, str | int]]:
    """What the Notes sheet says, as (heading, value) pairs."""
    cells = sum(len(t.rows) for t in tables)
    hidden = sum(t.suppressed for t in tables)
    return [
        ("Title", "Micro-aggression reports: protected figures"),
        ("Period", f"{release.starts_on:%-d %B %Y} to {release.ends_on:%-d %B %Y}"),
        ("Kind of release", "A calendar quarter" if release.kind == published.QUARTER else "Twelve months"),
        ("Scope", scope_name),
        ("Release number", release.id),
        ("Published on", f"{release.publish_on:%-d %B %Y}"),
        ("Disclosure rule", rule_text(release)),
        ("k (smallest count published)", release.k),
        ("Rounding base", release.rounding),
        ("Suppression method", release.method),
        ("Cells in this workbook", cells),
        ("Cells suppressed in this workbook", hidden),
        ("Cells suppressed in the whole release (every scope)", f"{release.suppressed} of {release.cells}"),
        ("What [c] means", C_MEANING.format(k=release.k)),
        ("Status column", "shown: a rounded count; [c]: not published; zero: no reports at all."),
        (
            "Reading these figures",
            "These are counts of reports people chose to make, not a measure of how often micro-aggressions "
            "happen. Fewer reports may mean less confidence to report, not less of the behaviour. Counts in "
            "tables where one report can name several answers (characteristics, sources, themes, pairs) add up "
            "to more than the number of reports.",
        ),
        *(
            []
            if any(t.name in (PAIRS, published.COMBINATIONS) for t in tables)
            else [
                (
                    "Combinations of characteristics",
                    "Not in this workbook: this release does not publish them for this scope. Within one "
                    f"organisation almost every combination is named in fewer than {release.k} reports, so they "
                    "are published for all organisations together only.",
                )
            ]
        ),
    ]


def to_xlsx(release: Release, scope_name: str, tables: list[TidyTable]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append(["Note", "Value"])
    for cell in sheet[1]:
        cell.font = BOLD
    for index, (heading, value) in enumerate(notes(release, scope_name, tables), start=2):
        _text_cell(sheet, index, 1, heading)
        if isinstance(value, int):
            sheet.cell(row=index, column=2, value=value)
        else:
            _text_cell(sheet, index, 2, value)
    start = sheet.max_row + 2
    for column, heading in enumerate(("Sheet", "What it holds", "Rows", "Cells suppressed"), start=1):
        sheet.cell(row=start, column=column, value=heading).font = BOLD
    for offset, table in enumerate(tables, start=1):
        _text_cell(sheet, start + offset, 1, table.name)
        _text_cell(sheet, start + offset, 2, table.title)
        sheet.cell(row=start + offset, column=3, value=len(table.rows))
        sheet.cell(row=start + offset, column=4, value=table.suppressed)
    _widths(sheet, [34, 100, 8, 16])

    for table in tables:
        data = book.create_sheet(table.name[:31])
        headings = ["Category", "Label", "Status", "Reports"] + (["Share of reports"] if table.has_share else [])
        data.append(headings)
        for cell in data[1]:
            cell.font = BOLD
        data.freeze_panes = "A2"
        for number, row in enumerate(table.rows, start=2):
            _text_cell(data, number, 1, row.category)
            _text_cell(data, number, 2, row.label)
            _text_cell(data, number, 3, row.status)
            if row.value is None:
                _text_cell(data, number, 4, SUPPRESSED_MARK)
            else:
                data.cell(row=number, column=4, value=row.value)
            if table.has_share:
                if isinstance(row.share, float):
                    data.cell(row=number, column=5, value=row.share).number_format = "0%"
                else:
                    _text_cell(data, number, 5, row.share or "")
        _widths(data, [30, 60, 10, 10, 16][: len(headings)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(release: Release, scope: str, extension: str) -> str:
    safe_scope = "".join(c if c.isalnum() or c in "-_" else "-" for c in scope_code(scope))
    period = f"{release.starts_on.isoformat()}-to-{release.ends_on.isoformat()}"
    return f"micro-aggression-reports-{safe_scope}-{period}.{extension}"
