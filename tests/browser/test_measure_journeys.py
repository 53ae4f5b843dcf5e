"""The confidence measure and the programme evaluation report in headless Chromium without
JavaScript, against the real accounts and training apps: a lead answers the "before" measure
(with a mistake first), reads the k-safe statistics, writes a narrative and enters a cost (with
mistakes first). axe-core on every page visited (see test_staff_journeys.py for the harness)."""

from __future__ import annotations

import pyotp
import pytest

from services.training.measures import load_instrument

from .staff_site import PASSWORD
from .test_staff_journeys import Axe, heading

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_without_javascript_a_lead_answers_the_measure_and_writes_the_evaluation_report(
        staff_site, staff_browser, browser):
    axe = Axe(browser)
    instrument = load_instrument()
    address, secret = staff_site.make_account("lead", name="Lee Lead", totp=True)
    page = staff_browser(javascript=False).page

    page.goto(staff_site.training + "/")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if heading(page) == "Enter your security code":
        assert secret is not None
        page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
    assert heading(page) == "Active bystander hub", heading(page)
    invitation = page.get_by_test_id("confidence-invitation")
    assert "Before you start" in invitation.inner_text()
    axe(page, "training home with the invitation", javascript=False)

    # The "before" measure: one statement left out is named in the error summary; the rest kept.
    invitation.get_by_role("link", name="Answer the questions").click()
    assert heading(page) == instrument.title
    axe(page, "confidence measure (before)", javascript=False)
    for number, item in enumerate(instrument.items, 1):
        if number != 3:
            page.locator(f"#{item.id}-4").check()
    page.get_by_role("button", name="Send my answers").click()
    assert page.title().startswith("Error: ")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.inner_text().count("Select how confident you feel") == 1
    first = instrument.items[0]
    assert page.get_by_role("group", name=f"Statement 1 (Distract): {first.text}").get_by_label(
        "4: Very confident").is_checked()
    axe(page, "confidence measure with an error", javascript=False)
    page.locator(f"#{instrument.items[2].id}-2").check()
    page.get_by_role("button", name="Send my answers").click()
    assert "Thank you" in page.get_by_test_id("answered").inner_text()
    axe(page, "confidence measure answered", javascript=False)

    # The statistics: one pair is far below k, so every figure is [c].
    page.goto(staff_site.training + "/evaluation/confidence")
    assert heading(page) == "Confidence before and after"
    cells = page.get_by_test_id("overall").locator("td").all_inner_texts()
    assert cells and set(cells) == {"[c]"}
    axe(page, "confidence statistics", javascript=False)

    # The evaluation report: write a narrative, then a cost with mistakes first.
    page.goto(staff_site.training + "/evaluation/report")
    assert heading(page) == "Programme evaluation report"
    axe(page, "evaluation report", javascript=False)
    page.get_by_role("link", name="Write the narrative for Relevance").click()
    assert heading(page) == "Relevance"
    axe(page, "evaluation narrative form", javascript=False)
    page.get_by_label("Narrative").fill("Ward teams asked for practical ways to step in.")
    page.get_by_role("button", name="Save the narrative").click()
    assert "Ward teams asked for practical ways to step in." in page.get_by_test_id("narrative-relevance").inner_text()

    page.get_by_role("link", name="Add or remove costs").click()
    page.get_by_label("What was it for?").fill("Venue for the first workshop")
    page.get_by_label("Amount, in pounds").fill("three hundred")
    page.get_by_role("button", name="Add the cost").click()
    assert page.title().startswith("Error: ")
    assert page.get_by_label("What was it for?").input_value() == "Venue for the first workshop"
    axe(page, "programme costs with an error", javascript=False)
    page.get_by_label("Amount, in pounds").fill("300")
    page.get_by_role("button", name="Add the cost").click()
    assert page.get_by_test_id("total-cost").inner_text() == "£300.00"
    page.get_by_role("link", name="Add or remove costs").click()
    axe(page, "programme costs", javascript=False)
    axe.assert_clean()
