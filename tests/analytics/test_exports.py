"""Exports of the leads' figures (PDF, XLSX, CSV) and the audit log, signed in for real."""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import io
import re
import threading
import zlib

import openpyxl
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from portal_common.db import unit_of_work
from services.analytics import exports, report_pdf
from services.analytics.models import AuditEntry, ReleaseCell
from services.analytics.published import Count

from .releases import add_release, quarter_start
from .test_dashboard import SYSTEM_LEAD, YESTERDAY, assert_no_hidden_value, lead, signed_in

TODAY = dt.date.today()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


@pytest.fixture
def latest(app):
    """This quarter's published release, with a theme whose label would be a spreadsheet formula."""
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        made = add_release(session, starts_on=quarter_start(TODAY, 1), publish_on=YESTERDAY)
        session.add(
            ReleaseCell(
                release_id=made.release_id, scope="", table="themes", category="=HYPERLINK(1)", status="shown", value=15
            )
        )
    return made


def audit_rows(app) -> list[AuditEntry]:
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def download(client, fmt: str, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return client.get(f"/exports/{fmt}?{query}")


def pdf_objects(pdf: bytes) -> str:
    """The text of every compressed object stream in a PDF (WeasyPrint packs its objects there)."""
    found = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            found.append(zlib.decompressobj().decompress(pdf[match.end() :]).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(found)


def pdf_strings(objects: str, key: str) -> list[str]:
    """Values of ``/key (text)`` or ``/key <feff...>`` entries: the PDF's own strings."""
    values = []
    for literal, hexed in re.findall(rf"/{key} (?:\(((?:[^()\\]|\\.)*)\)|<feff([0-9a-f]*)>)", objects):
        values.append(literal if not hexed else bytes.fromhex(hexed).decode("utf-16-be"))
    return values


def test_the_dashboard_links_to_each_download_for_the_chosen_period_and_scope(app, provider, latest):
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = client.get(f"/topics/impact?release={latest.release_id}&scope=DEMO2").get_data(as_text=True)
    links = page.split('data-testid="downloads"', 1)[1].split("</ul>", 1)[0]
    for fmt in ("pdf", "xlsx", "csv"):
        assert f'href="/exports/{fmt}?release={latest.release_id}&amp;scope=DEMO2"' in links
    assert 'href="/audit"' in page


def test_the_csv_is_tidy_and_never_holds_a_suppressed_cells_true_value(app, provider, latest):
    client = signed_in(app, provider, SYSTEM_LEAD)
    response = download(client, "csv", release=latest.release_id, scope="system")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    start = quarter_start(TODAY, 1)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="micro-aggression-reports-system-{start.isoformat()}-to-'
        f'{(quarter_start(TODAY, 0) - dt.timedelta(days=1)).isoformat()}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert {(r["release"], r["scope"], r["k"], r["rounding"]) for r in rows} == {
        (str(latest.release_id), "system", "10", "5")
    }
    assert rows[0]["table"] == "total" and rows[0]["value"] == "110" and rows[0]["status"] == "shown"
    by_cell = {(r["table"], r["category"]): r for r in rows}
    hidden = {(table, category) for (scope, table, category) in latest.hidden if scope == ""}
    assert hidden and {cell for cell, r in by_cell.items() if r["status"] == "[c]"} == hidden
    for row in rows:
        if row["status"] == "[c]":
            assert row["value"] == ""
        elif row["status"] == "zero":
            assert row["value"] == "0"
        else:
            assert row["status"] == "shown" and int(row["value"]) >= 10 and int(row["value"]) % 5 == 0
    assert by_cell[("characteristics", "race")]["label"] == "Race"
    assert by_cell[("organisation", "DEMO3")]["status"] == "[c]"  # 8 reports
    # A label a spreadsheet would run as a formula is written as text.
    assert by_cell[("themes", "'=HYPERLINK(1)")]["label"] == "'=HYPERLINK(1)"
    # Only the chosen scope: no organisation's own breakdown, no finer level.
    organisation = list(
        csv.DictReader(
            io.StringIO(download(client, "csv", release=latest.release_id, scope="DEMO1").get_data(as_text=True))
        )
    )
    assert {r["scope"] for r in organisation} == {"DEMO1"} and organisation[0]["value"] == "65"


def test_the_workbook_has_a_notes_sheet_and_a_sheet_for_each_table(app, provider, latest):
    client = signed_in(app, provider, SYSTEM_LEAD)
    response = download(client, "xlsx", release=latest.release_id, scope="system")
    assert response.status_code == 200 and response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Notes"
    assert {"total", "characteristics", "characteristic_pairs", "characteristic_combinations", "organisation"} <= set(
        book.sheetnames
    )
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert notes["k (smallest count published)"] == 10 and notes["Rounding base"] == 5
    assert "[c]" in notes["What [c] means"] and "fewer than 10" in notes["What [c] means"]
    assert notes["Suppression method"] == "primary below k, complementary to protect totals"
    assert "not a measure of how often" in notes["Reading these figures"]
    marks = 0
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert [c.value for c in sheet[1]][:4] == ["Category", "Label", "Status", "Reports"]
        for category, _label, status, value, *_share in sheet.iter_rows(min_row=2, values_only=True):
            if status == "[c]":
                marks += 1
                assert value == "[c]"
            else:
                assert isinstance(value, int)  # a number, not text
            if name == "themes" and category == "=HYPERLINK(1)":
                assert value == 15
    assert notes["Cells suppressed in this workbook"] == marks == len([h for h in latest.hidden if h[0] == ""])
    assert book["total"]["D2"].value == 110
    race = next(r for r in book["characteristics"].iter_rows(min_row=2) if r[0].value == "race")
    assert race[4].number_format == "0%" and 0 < race[4].value < 1
    formula = next(r for r in book["themes"].iter_rows(min_row=2) if r[0].value == "=HYPERLINK(1)")
    assert formula[0].data_type == "s" and formula[1].data_type == "s"  # text, never a formula


def test_the_pdf_is_the_steering_group_report(app, provider, latest, monkeypatch):
    made = []
    real = report_pdf.render

    def keep(html: str) -> bytes:
        made.append(html)
        return real(html)

    monkeypatch.setattr(report_pdf, "render", keep)
    client = signed_in(app, provider, SYSTEM_LEAD)
    response = download(client, "pdf", release=latest.release_id, scope="system")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    pdf = response.data
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    objects = pdf_objects(pdf)
    assert int(re.search(r"/Type /Pages/Kids \[[^]]*\]/Count (\d+)", objects).group(1)) >= 10
    assert pdf_strings(objects, "Title")[-1].startswith("Micro-aggression reports: All organisations")
    bookmarks = pdf_strings(objects, "Title")
    for heading in ("How to read this report", "Protected characteristics", "Organisations", "Trend by quarter"):
        assert heading in bookmarks
    html = made[0]
    assert html.count("<svg") >= 13 and 'role="img"' in html  # the dashboard's own charts
    assert "not a measure of how often micro-aggressions happen" in html
    assert "less confidence" in html
    assert f"Published</dt><dd>{YESTERDAY:%-d %B %Y}" in html
    assert "k = 10, counts rounded to the nearest 5" in html and "[c]" in html
    assert html.count('data-testid="disclosure"') >= 13  # a note for every table and the trend
    assert_no_hidden_value(html, latest)
    assert not re.search(r'(?:src|href)="https?:', html)


def test_the_pdf_renderer_fetches_nothing(tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        (tmp_path / "local.css").write_text("body { color: red }")
        pdf = report_pdf.render(
            f'<html><head><link rel="stylesheet" href="{url}/style.css">'
            f'<link rel="stylesheet" href="file://{tmp_path}/local.css"></head>'
            f'<body><p>Hello</p><img src="{url}/image.png"></body></html>'
        )
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-")
    assert hits == []
    with pytest.raises(ValueError, match="fetches nothing"):
        report_pdf.NothingFetched().fetch("https://example.org/x.png")


def test_every_export_writes_exactly_one_audit_row(app, provider, latest):
    client = signed_in(app, provider, SYSTEM_LEAD)
    for count, fmt in enumerate(("csv", "xlsx", "pdf"), start=1):
        assert download(client, fmt, release=latest.release_id, scope="DEMO2").status_code == 200
        rows = audit_rows(app)
        assert len(rows) == count
        assert rows[-1].action == f"export_{fmt}"
        assert rows[-1].actor == SYSTEM_LEAD["email"]
        assert rows[-1].target == f"release:{latest.release_id}"
        assert "DEMO2" in rows[-1].detail and "Riverside" in rows[-1].detail
        assert rows[-1].at_minute == int(app.clock.now // 60)


def test_an_organisation_lead_cannot_export_another_organisation(app, provider, latest):
    client = signed_in(app, provider, lead("DEMO1"), sub="lead-demo1")
    for fmt in ("pdf", "xlsx", "csv"):
        for scope in ("DEMO2", "system"):
            response = download(client, fmt, release=latest.release_id, scope=scope)
            assert response.status_code == 403, (fmt, scope)
            assert "covers Northfield Hospitals NHS Foundation Trust (demo) only" in response.get_data(as_text=True)
    assert audit_rows(app) == []
    own = download(client, "csv")  # the newest release, their own organisation
    assert own.status_code == 200
    own_rows = list(csv.DictReader(io.StringIO(own.get_data(as_text=True))))
    assert {r["scope"] for r in own_rows} == {"DEMO1"}
    assert "organisation" not in {r["table"] for r in own_rows}  # the system-only breakdown
    period = f"Quarter: {quarter_start(TODAY, 1):%B %Y} to {quarter_start(TODAY, 0) - dt.timedelta(days=1):%B %Y}"
    assert [r.detail for r in audit_rows(app)] == [
        f"Scope: Northfield Hospitals NHS Foundation Trust (demo) (DEMO1); {period}"
    ]


def test_nothing_is_exported_for_an_organisation_below_the_floor(app, provider, latest):
    client = signed_in(app, provider, lead("DEMO3"), sub="lead-demo3")
    response = download(client, "csv")
    assert response.status_code == 404 and "too few reports" in response.get_data(as_text=True)
    assert audit_rows(app) == []


def test_no_file_is_served_when_the_audit_entry_cannot_be_written(app, provider, latest):
    def fail(*_args):
        raise OperationalError("INSERT INTO audit_log", {}, Exception("the disk is full"))

    client = signed_in(app, provider, SYSTEM_LEAD)
    event.listen(AuditEntry, "before_insert", fail)
    try:
        for fmt in ("csv", "xlsx"):
            response = download(client, fmt, release=latest.release_id, scope="system")
            assert response.status_code == 503
            assert response.headers["Content-Type"].startswith("text/html")
            assert "Content-Disposition" not in response.headers
            assert "nothing was downloaded" in response.get_data(as_text=True)
    finally:
        event.remove(AuditEntry, "before_insert", fail)
    assert audit_rows(app) == []
    assert download(client, "csv", release=latest.release_id, scope="system").status_code == 200


def test_the_audit_page_lists_exports_newest_first_for_leads_and_admins(app, provider, latest):
    client = signed_in(app, provider, SYSTEM_LEAD)
    download(client, "csv", release=latest.release_id, scope="system")
    app.clock.advance(3)
    download(client, "xlsx", release=latest.release_id, scope="DEMO1")
    for claims, sub in (
        (SYSTEM_LEAD, "lead-1"),
        ({"name": "Ada Admin", "email": "ada@example.nhs.uk", "roles": ["admin"]}, "admin-1"),
    ):
        reader = signed_in(app, provider, claims, sub=sub)
        response = reader.get("/audit")
        assert response.status_code == 200, claims["roles"]
        page = response.get_data(as_text=True)
        table = page.split('data-testid="audit-entries"', 1)[1]
        assert table.index("Downloaded the workbook (XLSX)") < table.index("Downloaded the tidy data (CSV)")
        assert f"Release {latest.release_id} (Quarter: {quarter_start(TODAY, 1):%B %Y}" in table
        assert "sam@example.nhs.uk" in table and "(DEMO1)" in table
        assert 'data-testid="entry-count">2 entries.' in page
        filtered = reader.get("/audit?action=export_csv").get_data(as_text=True)
        assert "Downloaded the tidy data (CSV)" in filtered.split("<table", 1)[1]
        assert "Downloaded the workbook (XLSX)" not in filtered.split("<table", 1)[1]
    for role in ("trainer", "learner"):
        other = signed_in(app, provider, {"name": "Tam", "email": f"{role}@example.nhs.uk", "roles": [role]}, sub=role)
        assert other.get("/audit").status_code == 403
        assert other.get(f"/exports/csv?release={latest.release_id}").status_code == 403
    assert len(audit_rows(app)) == 2


def test_a_shown_figure_below_k_or_an_unknown_status_is_never_exported():
    assert exports.exported(Count("shown", 15), 10) == ("shown", 15)
    assert exports.exported(Count("zero", 0), 10) == ("zero", 0)
    assert exports.exported(Count("suppressed", None), 10) == ("[c]", None)
    assert exports.exported(Count("shown", 5), 10) == ("[c]", None)
    assert exports.exported(Count("pending", 40), 10) == ("[c]", None)
    for text in ("=1+1", "+44", "-3", "@SUM(A1)", "\tx"):
        assert exports.safe_text(text) == "'" + text
    assert exports.safe_text("Race and sex") == "Race and sex"


def test_the_pdf_footer_text_cannot_break_out_of_its_css_string():
    quoted = report_pdf.css_string('Smith & "Jones" NHS Trust </style><script>')
    assert quoted.startswith('"') and quoted.endswith('"')
    inside = quoted[1:-1]
    assert '"' not in inside and "<" not in inside and ">" not in inside and "&" not in inside
    assert "Smith" in inside and "Jones" in inside
