"""Intersections where a release has none for an organisation: the pages say so and why.

The release builder publishes combinations of characteristics for the whole system only
(disclosure.INTERSECTION_DEPTH = 0). A release made that way has no pairs or combinations at
organisation scope: no section points at them there, the chooser on the intersections page
offers only scopes that have them, and a page reached anyway explains small numbers plainly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete

from portal_common.db import unit_of_work
from services.analytics.models import ReleaseCell

from .releases import add_release, quarter_start
from .test_dashboard import SYSTEM_LEAD, lead, options, signed_in, text_of

TODAY = dt.date.today()
INTERSECTIONS = ("characteristic_pairs", "characteristic_combinations")


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


def _release(app, *, organisation_intersections: bool):
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        made = add_release(session, starts_on=quarter_start(TODAY, 1), publish_on=TODAY - dt.timedelta(days=1))
        if not organisation_intersections:  # as the release builder makes them today
            session.execute(
                delete(ReleaseCell).where(
                    ReleaseCell.release_id == made.release_id,
                    ReleaseCell.scope != "",
                    ReleaseCell.table.in_(INTERSECTIONS),
                )
            )
    return made


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_system_lead_is_offered_intersections_only_where_the_release_has_them(app, provider):
    made = _release(app, organisation_intersections=False)
    client = signed_in(app, provider, SYSTEM_LEAD)

    whole = text_of(client.get(f"/topics/intersections?release={made.release_id}&scope=system"))
    assert 'id="chart-characteristic-pairs-figure"' in whole and "Race and Sex" in whole
    assert options(whole, "scope") == []  # no organisation has them: nothing else to choose
    assert 'data-testid="withheld"' not in whole
    # Other sections still offer every organisation with figures.
    other = text_of(client.get(f"/topics/characteristics?release={made.release_id}&scope=system"))
    assert set(options(other, "scope")) == {"system", "DEMO1", "DEMO2"}

    # An organisation's overview does not point at them, and says why they are missing.
    overview = _main(text_of(client.get(f"/?release={made.release_id}&scope=DEMO1")))
    assert "/topics/intersections" not in overview.split("Intersections of characteristics: not published here")[0]
    assert "Intersections of characteristics: not published here" in overview
    assert "not published for each organisation" in overview and "fewer than 10 reports" in overview
    assert f"/topics/intersections?release={made.release_id}&amp;scope=system" in overview
    assert "/topics/characteristics" in overview  # the other sections are still there

    # Reached by its address, the page explains instead of showing empty figures or an error.
    response = client.get(f"/topics/intersections?release={made.release_id}&scope=DEMO1")
    page = _main(text_of(response))
    assert 'data-testid="withheld"' in page
    assert "not published for each organisation, only for all organisations together" in page
    assert "See the combinations for all organisations together" in page
    assert "<svg" not in page and "<table" not in page
    assert "This release has no figures for this table at this level" not in page
    nav = page.split("Sections of the dashboard", 1)[1].split("</nav>", 1)[0]
    assert "Intersections" not in nav and "Protected characteristics" in nav


def test_an_organisation_lead_is_told_why_and_who_can_see_them(app, provider):
    made = _release(app, organisation_intersections=False)
    client = signed_in(app, provider, lead("DEMO1"), sub="lead-demo1")
    overview = _main(text_of(client.get("/")))
    nav = overview.split("Sections of the dashboard", 1)[1].split("</nav>", 1)[0]
    assert "Intersections of characteristics" not in nav and "Protected characteristics" in nav
    assert "Intersections of characteristics: not published here" in overview
    page = _main(text_of(client.get("/topics/intersections")))
    assert "Your lead access covers Northfield Hospitals NHS Foundation Trust (demo) only" in page
    assert "scope=system" not in page  # no link they could not follow
    assert "<svg" not in page
    assert client.get(f"/topics/intersections?release={made.release_id}&scope=system").status_code == 403


def test_where_a_release_has_them_for_an_organisation_they_are_shown_there(app, provider):
    made = _release(app, organisation_intersections=True)
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get(f"/topics/intersections?release={made.release_id}&scope=DEMO1"))
    assert 'id="chart-characteristic-pairs-figure"' in page and 'data-testid="withheld"' not in page
    assert set(options(page, "scope")) == {"system", "DEMO1", "DEMO2"}
    overview = _main(text_of(client.get(f"/?release={made.release_id}&scope=DEMO1")))
    assert "not published here" not in overview
    nav = overview.split("Sections of the dashboard", 1)[1].split("</nav>", 1)[0]
    assert "Intersections of characteristics" in nav


def test_an_organisations_pdf_says_why_it_has_no_intersections(app, provider, monkeypatch):
    from services.analytics import report_pdf

    made = _release(app, organisation_intersections=False)
    rendered = []
    real = report_pdf.render
    monkeypatch.setattr(report_pdf, "render", lambda html: rendered.append(html) or real(html))
    client = signed_in(app, provider, SYSTEM_LEAD)
    response = client.get(f"/exports/pdf?release={made.release_id}&scope=DEMO1")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    html = rendered[0]
    section = html.split('id="topic-intersections"', 1)[1].split("</section>", 1)[0]
    assert "not published for each organisation, only for all organisations together" in section
    assert "fewer than 10 reports" in section
    assert "<svg" not in section and "href=" not in section and "Your lead access" not in section
    assert "This release has no figures for this table at this level" not in html
    assert html.count('id="topic-intersections"') == 1


def test_an_organisations_workbook_notes_say_why_it_has_no_combinations(app, provider):
    import io

    import openpyxl

    made = _release(app, organisation_intersections=False)
    client = signed_in(app, provider, SYSTEM_LEAD)

    def notes(scope: str) -> dict:
        response = client.get(f"/exports/xlsx?release={made.release_id}&scope={scope}")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return {row[0]: row[1] for row in book["Notes"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}

    organisation = notes("DEMO1")
    assert "for all organisations together only" in organisation["Combinations of characteristics"]
    assert "fewer than 10 reports" in organisation["Combinations of characteristics"]
    assert "Combinations of characteristics" not in notes("system")  # the system's workbook has them
