"""Staff survey and WRES benchmarks: the parsers, the Wilson interval, and the pages signed in
for real (uploads checked with clear errors, figures beside the report counts, deletions audited,
organisation scope enforced)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from scipy.stats import binomtest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal_common.db import unit_of_work
from services.analytics.benchmarks import UploadError, parse_wres_csv, wilson_interval
from services.analytics.models import AuditEntry, BenchmarkFigure, BenchmarkUpload
from services.analytics.survey_workbook import parse_staff_survey

from ..signin.conftest import csrf_token, sign_in
from .releases import ROLLING_YEAR, add_release, quarter_start
from .workbooks import Org, survey_workbook

TODAY = dt.date.today()
SYSTEM_LEAD = {"name": "Sam System", "email": "sam@example.nhs.uk", "roles": ["lead"], "lead_scope": "system"}
DEMO1_LEAD = {"name": "Lee North", "email": "lee@example.nhs.uk", "roles": ["lead"], "lead_scope": "DEMO1"}
KNOWN = {"DEMO1", "DEMO2", "DEMO3", "DEMO4", "DEMO5"}
WRES_HEADER = "org_code,year,source,indicator,group,percent,base\n"


# -- the Wilson interval ---------------------------------------------------------------------


def test_wilson_interval_matches_a_hand_computation():
    # 20% of 100, z = 1.959964: centre (0.2 + z^2/200) / (1 + z^2/100) = 0.211106,
    # half-width z * sqrt(0.2 * 0.8 / 100 + z^2 / 40000) / (1 + z^2/100) = 0.077733.
    low, high = wilson_interval(20, 100)
    assert low == pytest.approx(13.3374, abs=1e-3) and high == pytest.approx(28.8839, abs=1e-3)
    # The same as scipy's for a whole number of people, and it never leaves 0 to 100.
    scipy = binomtest(7, 40).proportion_ci(method="wilson")
    assert wilson_interval(17.5, 40) == pytest.approx((100 * scipy.low, 100 * scipy.high))
    assert wilson_interval(0, 12)[0] == 0 and wilson_interval(100, 12)[1] == 100
    assert wilson_interval(0, 12)[1] == pytest.approx(100 * 3.8415 / (12 + 3.8415), abs=1e-2)


# -- the staff survey workbook ---------------------------------------------------------------


def by_measure(rows, org: str) -> dict[str, tuple[float | None, int | None]]:
    return {r.measure: (r.percent, r.base) for r in rows if r.org_code == org}


def test_the_workbook_parser_finds_the_six_questions_and_keeps_only_our_organisations():
    rows = parse_staff_survey(survey_workbook(), 2024, KNOWN)
    assert {r.org_code for r in rows} == {"DEMO1", "DEMO2"}  # RXX is not one of ours
    demo1 = by_measure(rows, "DEMO1")
    assert demo1["nss_q14a"] == (27.5, 400)  # 100 - 72.5% "Never"
    assert demo1["nss_q14b"] == (12.0, 400) and demo1["nss_q14c"] == (19.0, 400)
    assert demo1["nss_q16a"] == (8.4, 400) and demo1["nss_q16b"] == (7.1, 400)
    assert demo1["nss_q16c_ethnic_background"] == (46.0, 40) and demo1["nss_q16c_age"] == (12.5, 40)
    assert "nss_q14d" not in str(demo1) and by_measure(rows, "DEMO2")["nss_q14a"] == (20.0, 250)
    assert parse_staff_survey(survey_workbook(), 2024, KNOWN, {"DEMO2"})[0].org_code == "DEMO2"


def test_questions_are_found_by_wording_when_their_numbers_and_places_move():
    def renumber(book):
        sheet = book["HEALTH WELLBEING SAFETY Q13-14"]
        for cell in sheet[1]:
            if isinstance(cell.value, str) and cell.value.startswith("Q14"):
                cell.value = "Q11" + cell.value[3:]  # another year's numbering, same wording
        sheet.insert_rows(1, 2)  # and two rows of titles above everything
        sheet["A1"] = "NHS Staff Survey: organisational results"

    rows = parse_staff_survey(survey_workbook(edit=renumber), 2023, KNOWN)
    assert by_measure(rows, "DEMO1")["nss_q14b"] == (12.0, 400)


def test_percentages_stored_as_fractions_and_withheld_cells_are_read_as_such():
    def edit(book):
        sheet = book["HEALTH WELLBEING SAFETY Q15-17"]
        header = [c.value for c in sheet[5]]
        yes = header.index("% Yes", header.index("% Yes") + 1)  # Q16a's (Q15 comes first)
        demo1, demo2 = sheet.cell(row=7, column=yes + 1), sheet.cell(row=8, column=yes + 1)
        demo1.value, demo1.number_format = 0.084, "0.0%"
        demo2.value = "*"

    rows = parse_staff_survey(survey_workbook(edit=edit), 2024, KNOWN)
    assert by_measure(rows, "DEMO1")["nss_q16a"] == (pytest.approx(8.4), 400)
    assert by_measure(rows, "DEMO2")["nss_q16a"] == (None, 250)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7 not a workbook", "not an Excel workbook (.xlsx)"),
        (survey_workbook(drop=("Q16c", "Q14b")), "Q14b (harassment, bullying or abuse from managers); Q16c"),
        (survey_workbook(orgs=[Org("RXX", "Somewhere Else NHS Trust")]), "none for the organisations in our list"),
    ],
)
def test_a_workbook_we_cannot_understand_is_refused_naming_what_is_missing(data, words):
    with pytest.raises(UploadError) as refused:
        parse_staff_survey(data, 2024, KNOWN)
    assert words in " ".join(refused.value.messages)


def test_a_workbook_without_an_answer_column_or_with_an_impossible_percentage_is_refused():
    def no_never(book):
        sheet = book["HEALTH WELLBEING SAFETY Q13-14"]
        for cell in sheet[5]:
            if cell.value == "% Never":
                cell.value = "% Not at all"

    with pytest.raises(UploadError) as refused:
        parse_staff_survey(survey_workbook(edit=no_never), 2024, KNOWN)
    assert refused.value.messages[0] == (
        "Question 14a (harassment, bullying or abuse from patients, service users, their relatives or the public) "
        "in sheet 'HEALTH WELLBEING SAFETY Q13-14' lacks a '% Never' column under its heading."
    )

    def too_big(book):
        book["HEALTH WELLBEING SAFETY Q15-17"]["H7"] = 140

    with pytest.raises(UploadError) as refused:
        parse_staff_survey(survey_workbook(edit=too_big), 2024, KNOWN)
    assert "sheet 'HEALTH WELLBEING SAFETY Q15-17', cell H7: a percentage must be from 0 to 100" in str(refused.value)


# -- WRES indicators as CSV ------------------------------------------------------------------


def test_the_wres_csv_is_checked_row_by_row():
    good = WRES_HEADER + "DEMO1,2024,NHS Staff Survey,5,White,24.1,812\nDEMO1,2024,NHS Staff Survey,5,BME,31.6,301\n"
    rows = parse_wres_csv(good.encode(), KNOWN)
    assert [(r.measure, r.group_label, r.percent, r.base) for r in rows] == [
        ("wres_5", "White", 24.1, 812),
        ("wres_5", "BME", 31.6, 301),
    ]
    bad = (
        WRES_HEADER
        + "DEMO1,2024,NHS Staff Survey,9,White,24.1,812\n"
        + "RXX,2024,NHS Staff Survey,5,White,20,100\n"
        + "DEMO2,2024,NHS Staff Survey,6,BME,120,0\n"
        + "ZZZ9,2024,NHS Staff Survey,5,BME,20,100\n"
        + "RXX,2023,NHS Staff Survey,5,BME,20,100\n"
        + "DEMO1,2024,NHS Staff Survey,5,White,24.1,812\n"
        + "DEMO1,2024,NHS Staff Survey,5,White,25,800\n"
    )
    with pytest.raises(UploadError) as refused:
        parse_wres_csv(bad.encode(), KNOWN)
    messages = refused.value.messages
    assert messages[0].startswith("Organisation codes we do not know: RXX (rows 3, 6); ZZZ9 (row 5).")
    assert "Row 2: indicator must be 5, 6, 7 or 8 (found '9')." in messages
    assert (
        "Row 4: percent must be a number from 0 to 100 (found '120'); base must be a whole number of people "
        "above 0 (found '0')." in messages
    )
    assert "Row 8: repeats row 7 (same organisation, year, source, indicator, group)." in messages
    with pytest.raises(UploadError) as refused:
        parse_wres_csv(b"org,year,percent\nDEMO1,2024,20\n", KNOWN)
    assert "Missing: org_code, source, indicator, group, base." in refused.value.messages[0]
    with pytest.raises(UploadError) as refused:
        parse_wres_csv(good.encode(), KNOWN, {"DEMO2"})
    assert refused.value.messages[0].startswith(
        "Your lead access does not cover these organisations: DEMO1 (rows 2, 3)"
    )


# -- the pages -------------------------------------------------------------------------------


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


def sessions(app):
    return app.extensions["portal"]["sessions"]


def signed_in(app, provider, claims, sub):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def page_of(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def upload(client, path: str, field: str, data: bytes, name: str, status: int = 302, **form):
    token = csrf_token(page_of(client.get(path)))
    # Encoded in memory: the test client spools a large body to a temporary file it never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            field: FileStorage(io.BytesIO(data), filename=name),
            **{k: str(v) for k, v in form.items()},
        }
    )
    response = client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    return response


def count(app, model) -> int:
    with unit_of_work(sessions(app)) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def actions(app) -> list[tuple[str, str]]:
    with unit_of_work(sessions(app)) as session:
        return [(a.actor, a.action) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture
def year_release(app):
    """A published 12-month release ending last year, so the year's reports sit beside the survey."""
    start = dt.date(TODAY.year - 1, 1, 1)
    with unit_of_work(sessions(app)) as session:
        return add_release(
            session,
            kind=ROLLING_YEAR,
            starts_on=quarter_start(start),
            publish_on=TODAY - dt.timedelta(days=1),
            organisations={"DEMO1": 63, "DEMO2": 41, "DEMO3": 8},
        )


def test_survey_figures_appear_beside_the_report_figures_with_wilson_intervals(app, provider, year_release):
    year = TODAY.year - 1
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    response = upload(client, "/benchmarks/uploads/staff-survey", "workbook", survey_workbook(), "nss.xlsx", year=year)
    assert response.headers["Location"].endswith(f"/benchmarks/?year={year}")
    csv = WRES_HEADER + f"DEMO1,{year},NHS Staff Survey,5,White,20,100\nDEMO1,{year},NHS Staff Survey,5,BME,31.6,301\n"
    upload(client, "/benchmarks/uploads/wres", "csv", csv.encode(), "wres.csv")
    page = page_of(client.get(f"/benchmarks/?organisation=DEMO1&year={year}"))
    assert "Reports are not prevalence" in page and "not how often it happens" in page
    row = re.search(r"Q14a: harassment.*?</tr>", page, re.S).group(0)
    # 27.5% of 400: Wilson 23.4% to 32.1%; beside it, reports naming patients (31 -> 30) and visitors (7: [c]).
    assert "27.5%" in row and "23.4% to 32.1%" in row and ">400<" in row
    assert "Patient or service user: 30<br>Relative or visitor: [c]" in row
    wres = re.search(r"Indicator 5: harassment.*?White.*?</tr>", page, re.S).group(0)
    assert "20.0%" in wres and "13.3% to 28.9%" in wres  # the hand-computed interval for 20 of 100
    assert "65 reports in January" in page  # DEMO1's 63, rounded
    ground = re.search(r"on grounds of ethnic background.*?</tr>", page, re.S).group(0)
    assert "Race: " in ground
    assert_hidden_never_shown(page, year_release)


def assert_hidden_never_shown(page: str, made) -> None:
    for (scope, _table, _category), value in made.hidden.items():
        if scope == "DEMO1" and value % 5:
            assert not re.search(rf": {value}(<|\s*$)", page, re.M)


def test_bad_uploads_keep_the_form_and_say_what_is_wrong(app, provider):
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    path = "/benchmarks/uploads/staff-survey"
    page = page_of(upload(client, path, "workbook", b"a,b\n1,2\n", "figures.csv", status=400, year="2023"), 400)
    assert 'href="#workbook">The file must be an Excel workbook ending .xlsx' in page
    assert 'id="year" name="year" type="text" value="2023"' in page  # what was typed is kept
    page = page_of(
        upload(client, path, "workbook", survey_workbook(drop=("Q16a",)), "nss.xlsx", status=400, year="2023"), 400
    )
    assert 'data-testid="problems"' in page and "Q16a (discrimination from patients" in page
    assert 'value="2023"' in page
    page = page_of(upload(client, path, "workbook", survey_workbook(), "nss.xlsx", status=400, year="23"), 400)
    assert 'href="#year">Enter the survey year as four digits' in page
    path = "/benchmarks/uploads/wres"
    bad = WRES_HEADER + "DEMO1,2024,NHS Staff Survey,5,White,101,100\n"
    page = page_of(upload(client, path, "csv", bad.encode(), "wres.csv", status=400), 400)
    assert "Row 2: percent must be a number from 0 to 100 (found &#39;101&#39;)." in page
    page = page_of(upload(client, path, "csv", b"x" * (2 * 1024 * 1024 + 1), "big.csv", status=400), 400)
    assert "The file must be smaller than 2 MB" in page
    page = page_of(upload(client, path, "csv", b"x" * (3 * 1024 * 1024), "huge.csv", status=413), 413)
    assert "The file must be smaller than 2 MB" in page and "<form" in page
    assert count(app, BenchmarkUpload) == 0 and actions(app) == []


def test_deleting_an_upload_removes_its_figures_and_is_audited(app, provider):
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    upload(client, "/benchmarks/uploads/staff-survey", "workbook", survey_workbook(), "nss.xlsx", year="2024")
    assert count(app, BenchmarkFigure) == 24
    with unit_of_work(sessions(app)) as session:
        (upload_id,) = session.scalars(select(BenchmarkUpload.id)).all()
    listing = page_of(client.get("/benchmarks/uploads"))
    assert "nss.xlsx" in listing and "questions 14a-c and 16a-c for DEMO1, DEMO2" in listing
    confirm = page_of(client.get(f"/benchmarks/uploads/{upload_id}/delete"))
    response = client.post(f"/benchmarks/uploads/{upload_id}/delete", data={"csrf_token": csrf_token(confirm)})
    assert response.status_code == 302
    assert count(app, BenchmarkFigure) == 0 and count(app, BenchmarkUpload) == 0
    assert actions(app) == [("sam@example.nhs.uk", "benchmark.uploaded"), ("sam@example.nhs.uk", "benchmark.deleted")]
    with unit_of_work(sessions(app)) as session:
        detail = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "benchmark.deleted")).one()
    assert "nss.xlsx" in detail


def test_an_organisation_lead_sees_and_changes_only_their_own_figures(app, provider):
    system = signed_in(app, provider, SYSTEM_LEAD, "sam")
    upload(system, "/benchmarks/uploads/staff-survey", "workbook", survey_workbook(), "nss.xlsx", year="2024")
    with unit_of_work(sessions(app)) as session:
        (system_upload,) = session.scalars(select(BenchmarkUpload.id)).all()
    lead = signed_in(app, provider, DEMO1_LEAD, "lee")
    page = page_of(lead.get("/benchmarks/"))
    assert "27.5%" in page and "Riverside" not in page  # DEMO1's own figures from the system upload
    refused = lead.get("/benchmarks/?organisation=DEMO2")
    assert refused.status_code == 403
    assert "covers Northfield Hospitals NHS Foundation Trust (demo) only" in refused.get_data(as_text=True)
    assert lead.get(f"/benchmarks/uploads/{system_upload}/delete").status_code == 403
    token = csrf_token(page_of(lead.get("/benchmarks/uploads")))
    assert lead.post(f"/benchmarks/uploads/{system_upload}/delete", data={"csrf_token": token}).status_code == 403
    csv = WRES_HEADER + "DEMO2,2024,NHS Staff Survey,8,BME,9.5,300\n"
    page = page_of(upload(lead, "/benchmarks/uploads/wres", "csv", csv.encode(), "wres.csv", status=400), 400)
    assert "Your lead access does not cover these organisations: DEMO2 (row 2)." in page
    # Their own upload of the national workbook keeps their organisation's rows only.
    upload(lead, "/benchmarks/uploads/staff-survey", "workbook", survey_workbook(), "nss.xlsx", year="2024")
    with unit_of_work(sessions(app)) as session:
        mine = session.scalars(select(BenchmarkUpload).where(BenchmarkUpload.scope == "DEMO1")).one()
        codes = set(session.scalars(select(BenchmarkFigure.org_code).where(BenchmarkFigure.upload_id == mine.id)))
    assert codes == {"DEMO1"}
    assert count(app, BenchmarkUpload) == 2
