"""The leads' dashboards, signed in for real, reading only published releases."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal_common.db import unit_of_work
from services.analytics.models import Report

from ..signin.conftest import sign_in
from .releases import add_release, quarter_start

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
SYSTEM_LEAD = {"name": "Sam System", "email": "sam@example.nhs.uk", "roles": ["lead"], "lead_scope": "system"}


def lead(scope: str) -> dict:
    return {
        "name": f"Lee {scope}",
        "email": f"lee.{scope.lower()}@example.nhs.uk",
        "roles": ["lead"],
        "lead_scope": scope,
    }


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


def write(app, **kwargs):
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        return add_release(session, **kwargs)


def signed_in(app, provider, claims: dict, sub: str = "lead-1"):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def options(page: str, name: str) -> list[str]:
    found = re.search(rf'<select class="nhsuk-select" id="{name}" name="{name}">(.*?)</select>', page, re.S)
    return re.findall(r'<option value="([^"]*)"', found.group(1)) if found else []


def assert_no_hidden_value(page: str, made) -> None:
    assert made.hidden_values, "the helper made no suppressed cell with a tell-tale value"
    for value in made.hidden_values:
        assert not re.search(rf">\s*{value}\s*<", page), f"a suppressed cell's true value {value} is on the page"


@pytest.fixture
def two_years(app):
    """This quarter's release, the same quarter a year earlier, and one still waiting."""
    latest = write(app, starts_on=quarter_start(TODAY, 1), publish_on=YESTERDAY)
    earlier = write(
        app,
        starts_on=quarter_start(TODAY, 5),
        publish_on=YESTERDAY - dt.timedelta(days=365),
        organisations={"DEMO1": 30, "DEMO2": 25, "DEMO3": 6},
    )
    waiting = write(app, starts_on=quarter_start(TODAY, 0), publish_on=TODAY + dt.timedelta(days=100))
    return latest, earlier, waiting


def test_a_system_lead_sees_the_headline_against_a_year_earlier_and_may_pick_any_organisation_with_figures(
    app, provider, two_years
):
    latest, earlier, waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get("/"))
    assert 'data-testid="headline-total">110<' in page  # 112 rounded to the nearest 5
    assert 'data-testid="headline-earlier">60<' in page  # 61
    # 110 against 60: the exact interval for the ratio (1.33 to 2.55) lies wholly above 1.
    assert "1.83 times" in page and "from 1.33 to 2.55" in page and "whole interval is above 1" in page
    assert options(page, "scope") == ["system", "DEMO1", "DEMO2"]  # DEMO3 had too few reports: no scope
    assert options(page, "release") == [str(latest.release_id), str(earlier.release_id)]  # not the waiting one
    # Each section is linked with the period and scope kept.
    assert f'href="/topics/characteristics?release={latest.release_id}&amp;scope=system"' in page
    organisation = text_of(client.get(f"/?release={latest.release_id}&scope=DEMO2"))
    assert "Riverside Community Health NHS Trust (demo)" in organisation
    assert 'data-testid="headline-total">40<' in organisation
    assert client.get(f"/?release={latest.release_id}&scope=DEMO3").status_code == 404
    assert client.get(f"/?release={waiting.release_id}").status_code == 404  # not published yet
    assert client.get("/?release=abc").status_code == 404


def test_the_period_chooser_shows_an_earlier_release(app, provider, two_years):
    latest, earlier, _waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get(f"/?release={earlier.release_id}&scope=system"))
    assert 'data-testid="headline-total">60<' in page
    assert re.search(rf'<option value="{earlier.release_id}" selected>', page)
    assert "nothing to compare with yet" in page  # no release two years back
    assert '<form method="get" action="/"' in page  # works without JavaScript


def test_a_topic_page_has_a_chart_a_table_with_c_and_the_disclosure_note(app, provider, two_years):
    latest, _earlier, _waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get(f"/topics/characteristics?release={latest.release_id}&scope=system"))
    figure = page.split('<figure class="app-figure" id="chart-characteristics-figure">', 1)[1].split("</figure>")[0]
    assert "<svg" in figure and 'role="img"' in figure and "<figcaption>" in page
    hidden = [cat for (scope, table, cat) in latest.hidden if scope == "" and table == "characteristics"]
    assert hidden
    rows = re.findall(
        r'<th scope="row" class="nhsuk-table__header app-row-header">([^<]+)</th>\s*'
        r'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">([^<]+)</td>',
        figure,
    )
    assert dict(rows)["Age"] == "[c]" and dict(rows)["Race"] != "[c]"
    assert f"k = 10, counts rounded to the nearest 5, {len(hidden)} cells suppressed in this table." in figure
    assert_no_hidden_value(page, latest)


def test_no_page_shows_a_suppressed_cells_true_value(app, provider, two_years):
    latest, _earlier, _waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    for scope in ("system", "DEMO1", "DEMO2"):
        for path in (
            "/",
            "/trend",
            *(
                f"/topics/{slug}"
                for slug in (
                    "characteristics",
                    "intersections",
                    "sources",
                    "setting",
                    "staff-group",
                    "internationally-recruited",
                    "experience",
                    "impact",
                    "raised-formally",
                    "themes",
                )
            ),
        ):
            page = text_of(client.get(f"{path}?release={latest.release_id}&scope={scope}"))
            assert_no_hidden_value(page, latest)
    page = text_of(client.get(f"/topics/organisations?release={latest.release_id}&scope=system"))
    assert "[c]" in page  # DEMO3's 8 reports
    assert_no_hidden_value(page, latest)


def test_intersections_show_the_heatmap_and_upset_views(app, provider, two_years):
    latest, _earlier, _waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get(f"/topics/intersections?release={latest.release_id}"))
    assert 'id="chart-characteristic-pairs-figure"' in page and 'id="chart-characteristic-combinations-figure"' in page
    assert "Race and Sex" in page and "Religion or belief only" in page
    assert "Every other combination" in page
    assert "url(#chart-characteristic-pairs-hatch)" in page  # suppressed pairs drawn hatched


def test_an_organisation_lead_sees_only_their_organisation(app, provider, two_years):
    latest, _earlier, _waiting = two_years
    client = signed_in(app, provider, lead("DEMO1"), sub="lead-demo1")
    page = text_of(client.get("/"))
    assert "Northfield Hospitals NHS Foundation Trust (demo)" in page
    assert 'data-testid="headline-total">65<' in page  # 63
    assert options(page, "scope") == []  # nothing else to choose
    assert "All organisations" not in page and "Riverside" not in page
    assert "/topics/organisations" not in page  # a system-only breakdown
    for refused in (
        "/?scope=DEMO2",
        "/?scope=system",
        "/topics/impact?scope=DEMO2",
        f"/trend?scope=system&release={latest.release_id}",
    ):
        response = client.get(refused)
        assert response.status_code == 403, refused
        assert "covers Northfield Hospitals NHS Foundation Trust (demo) only" in response.get_data(as_text=True)
    assert client.get("/api/v1/stats").status_code == 403


def test_an_organisation_below_the_floor_gets_an_explanation_not_figures(app, provider, two_years):
    client = signed_in(app, provider, lead("DEMO3"), sub="lead-demo3")
    page = text_of(client.get("/"))
    assert 'data-testid="scope-notice"' in page and "too few reports" in page
    assert "headline-total" not in page and "<svg" not in page.split("<main", 1)[1]


def test_before_any_release_is_published_the_page_says_so_and_when(app, provider):
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:  # report rows are never read
        session.add(
            Report(
                id="00000000-0000-0000-0000-000000000001",
                submitted_week=dt.date(2026, 1, 5),
                characteristics=["race"],
                sources=[],
                themes=[],
            )
        )
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get("/"))
    assert "No figures have been published yet" in page
    assert "once a full calendar quarter of reports has ended" in page
    assert client.get("/api/v1/stats").get_json() == {
        "release": None,
        "reports": None,
        "message": "No release has been published yet.",
    }
    publish_on = TODAY + dt.timedelta(days=30)
    write(app, starts_on=quarter_start(TODAY, 1), publish_on=publish_on)
    for path in ("/", "/trend", "/topics/themes"):
        page = text_of(client.get(path))
        assert f"will appear here on <strong>{publish_on:%-d %B %Y}</strong>" in page


def test_the_stats_api_gives_the_latest_system_headline_only(app, provider, two_years):
    latest, _earlier, _waiting = two_years
    client = signed_in(app, provider, SYSTEM_LEAD)
    body = client.get("/api/v1/stats").get_json()
    assert body["reports"] == {"status": "shown", "value": 110}
    assert body["release"]["starts_on"] == quarter_start(TODAY, 1).isoformat()
    assert body["release"]["k"] == 10


def test_the_trend_marks_special_causes_and_treats_a_suppressed_quarter_as_a_gap(app, provider):
    totals = [40, 42, 44, 41, 43, 40, None, 42, 44, 41, 120]
    for back, total in zip(range(len(totals), 0, -1), totals, strict=True):
        orgs = {"DEMO1": total or 30}
        write(
            app,
            starts_on=quarter_start(TODAY, back),
            publish_on=YESTERDAY,
            organisations=orgs,
            total_status="suppressed" if total is None else None,
        )
    client = signed_in(app, provider, SYSTEM_LEAD)
    page = text_of(client.get("/trend"))
    assert "<svg" in page and 'id="chart-trend-title"' in page
    findings = page.split('data-testid="findings"', 1)[1].split("</ul>")[0]
    assert findings.count("<li>") == 1 and "above the upper process limit" in findings
    last, gap = quarter_start(TODAY, 1), quarter_start(TODAY, 5)
    assert f"{last:%b}-" in findings  # named by its quarter
    rows = dict(re.findall(r'app-row-header">([^<]+)</th>\s*<td[^>]*>([^<]+)</td>', page))
    assert len(rows) == len(totals)
    assert [label for label, value in rows.items() if value == "[c]"] == [
        f"{gap:%b}-{quarter_start(gap, -1) - dt.timedelta(days=1):%b %Y}"
    ]
    assert "Gap: suppressed" in page and "1 cell suppressed in this table" in page
    # The same quarters for the one organisation with figures: its total was published every time.
    page = text_of(client.get("/trend?scope=DEMO1"))
    assert "Gap: suppressed" not in page and "above the upper process limit" in page
