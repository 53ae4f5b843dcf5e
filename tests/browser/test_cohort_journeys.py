"""Cohorts and facilitator mode in headless Chromium without JavaScript, against the real staff
apps: a trainer makes a cohort and its programme journey, a learner joins and marks
attendance, and a phone that is not signed in answers the room's question. axe-core runs on
every page; the staff_browser fixture checks nothing is fetched from elsewhere and no CSP
violation happens."""

from __future__ import annotations

import datetime as dt

import pytest

from .staff_site import PASSWORD
from .test_staff_journeys import Axe, heading

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, site, email: str) -> None:
    page.goto(site.training + "/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert heading(page) == "Active bystander hub"


def test_a_cohort_from_creation_to_a_room_answering_from_phones_without_javascript(staff_site, staff_browser, browser):
    axe = Axe(browser)
    trainer_email, _ = staff_site.make_account("trainer", name="Tam Trainer")
    learner_email, _ = staff_site.make_account("learner", name="Lou Learner")
    today = dt.date.today()

    page = staff_browser(javascript=False).page
    _sign_in(page, staff_site, trainer_email)
    page.get_by_role("link", name="Cohorts, sessions and facilitator mode").click()
    assert heading(page) == "Cohorts"
    axe(page, "cohorts (none yet)", javascript=False)
    page.get_by_role("link", name="Create a cohort").click()
    page.get_by_role("button", name="Create cohort").click()
    assert page.title().startswith("Error: ")
    axe(page, "create a cohort with errors", javascript=False)
    page.get_by_label("Cohort name").fill("Outpatients spring group")
    page.get_by_label("Organisation").select_option(index=1)
    page.get_by_role("button", name="Create cohort").click()
    assert heading(page).startswith("Outpatients spring group")
    join_code = page.get_by_test_id("join-code").inner_text().strip()
    page.get_by_role("group", name="Date of the workshop").get_by_label("Day").fill(str(today.day))
    page.get_by_role("group", name="Date of the workshop").get_by_label("Month").fill(str(today.month))
    page.get_by_role("group", name="Date of the workshop").get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Add the programme journey").click()
    assert "Action learning set 5 of 5" in page.locator("main").inner_text()
    axe(page, "cohort with its journey", javascript=False)
    page.get_by_role("link", name="Add a session").click()
    page.get_by_role("button", name="Add session").click()
    axe(page, "add a session with errors", javascript=False)
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("link", name="Workshop: the 5 Ds in practice").click()
    session_code = page.get_by_test_id("session-code").inner_text().strip()
    axe(page, "session page", javascript=False)
    page.get_by_role("link", name="Write notes for this session").click()
    axe(page, "notes form", javascript=False)
    page.get_by_role("link", name="Back to the session").click()

    # The learner joins and marks themselves present.
    learner = staff_browser(javascript=False).page
    _sign_in(learner, staff_site, learner_email)
    learner.get_by_role("link", name="join your cohort").click()
    learner.get_by_label("Join code").fill("nothing")
    learner.get_by_role("button", name="Join").click()
    assert "No cohort has that join code" in learner.locator(".nhsuk-error-summary").inner_text()
    axe(learner, "join with an error", javascript=False)
    learner.get_by_label("Join code").fill(join_code.lower())
    learner.get_by_role("button", name="Join").click()
    assert heading(learner) == "Your cohorts"
    learner.get_by_role("link", name="Mark yourself present at a session").click()
    axe(learner, "mark attendance", javascript=False)
    learner.get_by_label("Session code").fill(session_code)
    learner.get_by_role("button", name="Mark me present").click()
    assert "You were there" in learner.locator("main").inner_text()
    axe(learner, "your cohorts, with a rating form", javascript=False)

    # Facilitator mode: the screen, and a phone with no account.
    page.get_by_label("Scenario to step through").select_option("theatre-banter")
    page.get_by_label("Answers to wait for before results can be shown (optional)").fill("2")
    page.get_by_role("button", name="Start facilitator mode").click()
    code = page.get_by_test_id("live-code").inner_text().strip()
    axe(page, "the room's screen", javascript=False)
    for n in range(2):
        phone = staff_browser(javascript=False).page
        phone.goto(staff_site.training + "/go")
        assert heading(phone) == "Answer in a session"
        if n == 0:
            axe(phone, "phone: enter the code", javascript=False)
        phone.get_by_label("Code on the screen").fill(code)
        phone.get_by_role("button", name="Continue").click()
        if n == 0:
            phone.get_by_role("button", name="Send my answer").click()
            assert "Select what you would do" in phone.locator(".nhsuk-error-summary").inner_text()
            axe(phone, "phone: question with an error", javascript=False)
        phone.locator("#choice-1").check()
        phone.get_by_role("button", name="Send my answer").click()
        assert heading(phone) == "Your answer is in"
    page.get_by_role("link", name="Refresh").click()
    page.get_by_role("button", name="Show the results").click()
    assert "How the room answered" in page.locator("main").inner_text()
    axe(page, "the room's screen with results", javascript=False)
    axe.assert_clean()
