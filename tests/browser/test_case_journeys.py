"""The case pipeline's pages in headless Chromium, without JavaScript and by keyboard: a
reviewer masks words by ticking them and clears a candidate; a trainer starts a case study,
gets an error summary, and saves a draft. axe-core finds nothing serious on any of them."""

from __future__ import annotations

import datetime as dt
import uuid

import pyotp
import pytest

from portal_common.db import make_engine, make_session_factory, unit_of_work
from services.training import cases
from services.training.models import CANDIDATE, CLEARED, CaseCandidate

from .staff_site import PASSWORD
from .test_staff_journeys import Axe, heading, press_on, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = "At handover Dr Patel said my accent was too much and the nurse in charge laughed."


def _seed(site) -> tuple[str, str]:
    engine = make_engine(site.env["PORTAL_TRAINING_DATABASE_URL"])
    try:
        refs = []
        with unit_of_work(make_session_factory(engine)) as db:
            for status, flagged in ((CANDIDATE, True), (CLEARED, False)):
                ref = cases.new_ref()
                db.add(CaseCandidate(report_id=str(uuid.uuid4()), redacted_text=TEXT, themes=["accent_language"],
                                     characteristics=[], setting="acute", risk_score=0.7 if flagged else 0.1,
                                     needs_review=flagged, status=status, ref=ref,
                                     received_on=cases.week_of(dt.date.today()),
                                     cleared_on=dt.date.today() if status == CLEARED else None))
                refs.append(ref)
        return refs[0], refs[1]
    finally:
        engine.dispose()


def _sign_in(site, page, email: str, totp: str | None) -> None:
    page.goto(site.training + "/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp:
        page.get_by_label("Security code").fill(pyotp.TOTP(totp).now())
        page.get_by_role("button", name="Continue").click()
    assert heading(page) == "Active bystander hub", page.url


def test_a_reviewer_masks_and_clears_and_a_trainer_starts_a_case_without_javascript(
        staff_site, staff_browser, browser):
    axe = Axe(browser)
    waiting, cleared = _seed(staff_site)
    email, totp = staff_site.make_account("reviewer", name="Rae Reviewer", totp=True)
    page = staff_browser(javascript=False).page
    _sign_in(staff_site, page, email, totp)
    page.get_by_role("link", name="Review case candidates").click()
    assert heading(page) == "Case candidates to review"
    axe(page, "review queue", javascript=False)
    page.get_by_role("link", name=f"Candidate {waiting}").click()
    assert heading(page) == f"Review candidate {waiting}"
    assert page.get_by_test_id("flagged").is_visible()
    axe(page, "review a candidate", javascript=False)

    # Keyboard only: tick "Patel" with the space bar, then press the Mask button.
    box = page.get_by_label("Word 4: Patel")
    tab_to(page, box)
    page.keyboard.press("Space")
    assert box.is_checked()
    press_on(page, page.get_by_role("button", name="Mask"))
    assert "1 passage masked" in page.get_by_test_id("masked-notice").inner_text()
    assert "Dr [REDACTED] said" in page.get_by_test_id("candidate-text").inner_text()

    # A phrase that is not there: an error summary, and the phrase kept.
    type_into(page, page.get_by_label("Or type words or phrases to mask, one on each line"), "Sister Nobody")
    press_on(page, page.get_by_role("button", name="Mask"))
    assert page.title().startswith("Error: ")
    assert "Phrase 1 is not in the text" in page.locator(".nhsuk-error-summary").inner_text()
    assert page.get_by_label("Or type words or phrases to mask, one on each line").input_value() == "Sister Nobody"
    axe(page, "review a candidate, with errors", javascript=False)
    page.get_by_label("I have read the whole text above").check()
    page.get_by_role("button", name="Clear for trainers").click()
    assert heading(page) == "Candidate cleared"
    axe(page, "candidate cleared", javascript=False)

    trainer_email, _ = staff_site.make_account("trainer", name="Tam Trainer")
    page = staff_browser(javascript=False).page
    _sign_in(staff_site, page, trainer_email, None)
    page.get_by_role("link", name="Case studies: write, check and approve").click()
    assert heading(page) == "Case studies"
    axe(page, "case studies", javascript=False)
    page.get_by_role("link", name=f"Write a case study from candidate {cleared}").click()
    assert heading(page) == "Write a case study"
    axe(page, "write a case study", javascript=False)
    page.get_by_role("button", name="Save draft and check it").click()
    assert page.title().startswith("Error: ")
    assert "Enter a title for the case study" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page, "write a case study, with errors", javascript=False)
    page.get_by_role("textbox", name="Title").fill("Accent at handover")
    page.get_by_role("button", name="Save draft and check it").click()
    # No redactor runs on this site: the draft is kept and says it is unchecked.
    assert heading(page) == "Accent at handover"
    assert page.get_by_test_id("unchecked").is_visible()
    axe(page, "draft case study (unchecked)", javascript=False)
    page.goto(staff_site.training + "/cases/library")
    assert heading(page) == "Case library"
    axe(page, "case library (empty)", javascript=False)
    axe.assert_clean()
