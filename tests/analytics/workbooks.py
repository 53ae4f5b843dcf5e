"""Staff survey workbooks made with openpyxl, in the published organisational results layout
(docs/benchmarks.md): a Notes sheet, then sheets whose first row carries each question's
heading merged across its answer columns, a header row (row 5 here) naming the organisation
code column and each answer, and one row per organisation."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook

ID_COLUMNS = ("ODS code", "Organisation name", "Benchmarking group", "Weighting")
FREQUENCY = ("% Never", "% 1-2", "% 3-5", "% 6-10", "% More than 10", "Base (number of responses)")
YES_NO = ("% Yes", "% No", "Base (number of responses)")
GROUNDS = (
    "% Ethnic background",
    "% Gender",
    "% Religion",
    "% Sexual orientation",
    "% Disability",
    "% Age",
    "% Other",
    "Base (number of responses)",
)

STEM_14 = (
    "In the last 12 months how many times have you personally experienced harassment, bullying or abuse at work from"
)
STEM_16 = "In the last 12 months have you personally experienced discrimination at work from"
PUBLIC = "patients / service users, their relatives or other members of the public?"
VIOLENCE = "In the last 12 months how many times have you personally experienced physical violence at work from"
REPORTED = "The last time you experienced harassment, bullying or abuse at work, did you or a colleague report it?"
QUESTIONS_14 = [
    ("Q13a", f"{VIOLENCE} {PUBLIC}", FREQUENCY),
    ("Q14a", f"{STEM_14} {PUBLIC}", FREQUENCY),
    ("Q14b", f"{STEM_14} managers?", FREQUENCY),
    ("Q14c", f"{STEM_14} other colleagues?", FREQUENCY),
    ("Q14d", REPORTED, YES_NO),
]
QUESTIONS_16 = [
    ("Q15", "Does your organisation act fairly with regard to career progression / promotion?", YES_NO),
    ("Q16a", f"{STEM_16} {PUBLIC}", YES_NO),
    ("Q16b", f"{STEM_16} a manager / team leader or other colleagues?", YES_NO),
    ("Q16c", "On what grounds have you experienced discrimination?", GROUNDS),
]


@dataclass
class Org:
    code: str
    name: str
    base: int = 400
    never_14a: float = 72.5  # so 27.5% at least once
    never_14b: float = 88.0
    never_14c: float = 81.0
    yes_16a: float = 8.4
    yes_16b: float = 7.1
    grounds: dict[str, float] = field(default_factory=lambda: {"% Ethnic background": 46.0, "% Age": 12.5})


def _answers(heading: str, answers: tuple[str, ...], org: Org):
    base = org.base
    values = {}
    if heading == "Q14a":
        values = {"% Never": org.never_14a}
    elif heading == "Q14b":
        values = {"% Never": org.never_14b}
    elif heading == "Q14c":
        values = {"% Never": org.never_14c}
    elif heading == "Q16a":
        values = {"% Yes": org.yes_16a}
    elif heading == "Q16b":
        values = {"% Yes": org.yes_16b}
    elif heading == "Q16c":
        values = dict(org.grounds)
        base = max(1, base // 10)
    out = []
    for answer in answers:
        if answer.startswith("Base"):
            out.append(base)
        else:
            out.append(values.get(answer, 1.0))
    return out


def _sheet(book: Workbook, title: str, questions, orgs: list[Org], header_row: int = 5) -> None:
    sheet = book.create_sheet(title)
    column = len(ID_COLUMNS) + 1
    for number, wording, answers in questions:
        sheet.cell(row=1, column=column, value=f"{number} - {wording}")
        if len(answers) > 1:
            sheet.merge_cells(start_row=1, start_column=column, end_row=1, end_column=column + len(answers) - 1)
        for offset, answer in enumerate(answers):
            sheet.cell(row=header_row, column=column + offset, value=answer)
        column += len(answers)
    for offset, name in enumerate(ID_COLUMNS, start=1):
        sheet.cell(row=header_row, column=offset, value=name)
    for index, org in enumerate(orgs, start=header_row + 1):
        row = [org.code, org.name, "Acute and acute & community trusts", "Occupation group weighted"]
        for number, _wording, answers in questions:
            row += _answers(number, answers, org)
        for offset, value in enumerate(row, start=1):
            sheet.cell(row=index, column=offset, value=value)


def survey_workbook(orgs: list[Org] | None = None, *, drop: tuple[str, ...] = (), edit=None) -> bytes:
    """The workbook's bytes. ``drop`` leaves questions out; ``edit(book)`` changes it before saving."""
    orgs = orgs if orgs is not None else default_orgs()
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Figures are weighted; columns marked * have fewer than 11 responses."
    _sheet(book, "HEALTH WELLBEING SAFETY Q13-14", [q for q in QUESTIONS_14 if q[0] not in drop], orgs)
    _sheet(book, "HEALTH WELLBEING SAFETY Q15-17", [q for q in QUESTIONS_16 if q[0] not in drop], orgs)
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def default_orgs() -> list[Org]:
    return [
        Org("RXX", "Somewhere Else NHS Trust", base=900, never_14a=60.0),
        Org("DEMO1", "Northfield Hospitals NHS Foundation Trust (demo)"),
        Org("DEMO2", "Riverside Community Health NHS Trust (demo)", base=250, never_14a=80.0),
    ]
