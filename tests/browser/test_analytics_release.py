"""The leads' dashboard on a real release, in headless Chromium.

Synthetic coded reports (services/analytics/synthetic.py) go into the staff site's analytics
database and the real release builder (releases.build_quarter) protects and stores a
quarter of them, exactly as production does. A lead signs in through accounts (password and
authenticator code) and opens the headline, characteristics, intersections and trend pages:
axe-core finds nothing serious or critical, the data tables carry [c] marks, every chart is an
SVG named by its own title and description inside a captioned figure, and with JavaScript off
the same pages, their charts and the period and organisation chooser all work.
"""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from portal_common import organisations
from portal_common.db import make_engine, make_session_factory, unit_of_work
from services.analytics import releases, synthetic
from services.analytics.models import QUARTER, Release, ReleaseCell, Report

from .conftest import axe_violations, axe_violations_without_js
from .staff_site import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_WEEK = dt.date(2025, 1, 6)  # a Monday: the first quarter of 2025, long published
PAGES = {
    "headline": "/",
    "characteristics": "/topics/characteristics",
    "intersections": "/topics/intersections",
    "trend": "/trend",
}


@pytest.fixture(scope="module")
def release(staff_site):
    """A quarter and its rolling year, built and protected by the real builder (one quarter only:
    each later quarter is protected jointly with the earlier ones, which takes minutes today).
    Yields the quarter's Release and the largest organisation with figures of its own."""
    engine = make_engine(staff_site.env["PORTAL_ANALYTICS_DATABASE_URL"])
    sessions = make_session_factory(engine)
    codes = [o.code for o in organisations.load()]
    try:
        with unit_of_work(sessions) as session:
            for n, answers in enumerate(synthetic.reports(5, codes, FIRST_WEEK, 13, 20)):
                session.add(Report(id=f"00000000-0000-4000-8000-{n:012d}", **answers))
        with unit_of_work(sessions) as session:
            index = releases.quarter_index(FIRST_WEEK)
            built = releases.build_quarter(session, index, dt.date.today(), releases.ReleasePolicy(), codes)
            assert sorted((r.kind, r.starts_on) for r in built) == [
                (QUARTER, dt.date(2025, 1, 1)),
                ("rolling_year", dt.date(2024, 4, 1)),
            ]
        with unit_of_work(sessions) as session:
            newest = session.scalar(select(Release).where(Release.kind == QUARTER).order_by(Release.starts_on.desc()))
            assert newest is not None and newest.suppressed > 0
            organisation = session.scalar(  # the largest organisation with figures of its own
                select(ReleaseCell.scope)
                .where(
                    ReleaseCell.release_id == newest.id,
                    ReleaseCell.table == "total",
                    ReleaseCell.scope != "",
                    ~ReleaseCell.scope.contains("/"),
                )
                .order_by(ReleaseCell.value.desc())
            )
            assert organisation, "no organisation passed the floor: the data set is too small"
            session.expunge(newest)
        yield newest, organisation
    finally:
        engine.dispose()


def sign_in_as_lead(staff_site, page) -> None:
    """Through accounts: email and password, then the authenticator code; back at analytics."""
    address, secret = staff_site.make_account("lead", name="Lena Lead", totp=True, lead_scope="system")
    assert secret is not None
    page.goto(staff_site.analytics + "/")
    assert page.url.startswith(staff_site.accounts + "/sign-in"), page.url
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    assert page.url.startswith(staff_site.analytics + "/"), page.url


def heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def table_marks(page) -> list[str]:
    """Every count cell of every data table on the page."""
    return [t.strip() for t in page.locator("main figure table td").all_inner_texts()]


def check_figures(page, label: str) -> int:
    """Every chart is a captioned figure whose SVG names itself; returns how many charts."""
    figures = page.locator("main figure.app-figure")
    charts = 0
    for index in range(figures.count()):
        figure = figures.nth(index)
        assert figure.locator("figcaption").inner_text().strip(), f"{label}: a figure without a caption"
        for svg in figure.locator("svg").all():
            charts += 1
            assert svg.get_attribute("role") == "img", label
            title_id, desc_id = (svg.get_attribute("aria-labelledby") or "").split()
            title = svg.locator(f"title#{title_id}")
            assert title.count() == 1 and title.text_content().strip(), f"{label}: an SVG without a title"
            assert svg.locator(f"desc#{desc_id}").text_content().strip(), f"{label}: an SVG without a description"
        assert figure.locator("[data-testid=disclosure]").inner_text().startswith("k = 10"), label
    return charts


def test_a_lead_reads_a_real_release_with_javascript(staff_site, staff_browser, release):
    newest, organisation = release
    lead = staff_browser(javascript=True)
    page = lead.page
    sign_in_as_lead(staff_site, page)
    problems: dict[str, list] = {}
    seen_c: dict[str, int] = {}
    for name, path in PAGES.items():
        response = page.goto(f"{staff_site.analytics}{path}?release={newest.id}&scope=system")
        assert response is not None and response.status == 200, (name, response and response.status)
        assert "Quarter: January 2025 to March 2025" in page.locator("main").inner_text()
        found = axe_violations(page)
        if found:
            problems[name] = found
        charts = check_figures(page, name)
        assert charts >= (0 if name == "headline" else 1), f"{name}: no chart"
        seen_c[name] = table_marks(page).count("[c]")
    assert problems == {}, problems
    # Small numbers are marked [c] in the tables, never left out or shown as 0.
    assert seen_c["characteristics"] > 0 and seen_c["intersections"] > 0, seen_c
    headline = page.goto(f"{staff_site.analytics}/?release={newest.id}&scope=system")
    assert headline is not None and headline.status == 200
    total = page.get_by_test_id("headline-total").inner_text().strip()
    assert total == "[c]" or int(total.replace(",", "")) % 5 == 0  # rounded to the nearest 5

    # An organisation's intersections: a plain explanation, still accessible.
    page.goto(f"{staff_site.analytics}/topics/intersections?release={newest.id}&scope={organisation}")
    assert "not published for each organisation" in page.get_by_test_id("withheld").inner_text()
    assert page.locator("main svg").count() == 0
    assert axe_violations(page) == []


def test_the_same_pages_work_with_javascript_off(staff_site, staff_browser, browser, release):
    newest, organisation = release
    lead = staff_browser(javascript=False)
    page = lead.page
    sign_in_as_lead(staff_site, page)
    problems: dict[str, list] = {}
    for name, path in PAGES.items():
        response = page.goto(f"{staff_site.analytics}{path}?release={newest.id}&scope=system")
        assert response is not None and response.status == 200, name
        if name != "headline":
            assert check_figures(page, name) >= 1, f"{name}: the server-drawn chart is missing"
        found = axe_violations_without_js(browser, page)
        if found:
            problems[name] = found
    assert problems == {}, problems

    # The chooser is a plain GET form: pick an organisation and an earlier period, no script needed.
    page.goto(f"{staff_site.analytics}/topics/characteristics?release={newest.id}&scope=system")
    page.get_by_label("Organisation").select_option(organisation)
    page.get_by_label("Period").select_option(label="12 months: April 2024 to March 2025")
    page.get_by_role("button", name="Show figures").click()
    assert f"scope={organisation}" in page.url and f"release={newest.id}" not in page.url, page.url
    assert heading(page) == "Protected characteristics"
    assert "12 months: April 2024 to March 2025" in page.locator("main").inner_text()
    assert "[c]" in table_marks(page)
    # The section links keep the chosen period and organisation.
    page.get_by_role("link", name="Trend by quarter").click()
    assert heading(page) == "Trend by quarter" and f"scope={organisation}" in page.url
    assert page.locator("main figure svg").count() == 1
