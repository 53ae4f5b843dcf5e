"""The certificate, verify, resource library, local contacts, profile and xAPI pages in headless
Chromium without JavaScript, against the real staff site: forms work, errors are summarised, and
axe-core finds nothing serious on any of them."""

from __future__ import annotations

import pytest

from .staff_site import PASSWORD
from .test_staff_journeys import Axe, heading

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_trainer_uses_the_library_contacts_certificate_and_export_pages_without_javascript(
        staff_site, staff_browser, browser):
    axe = Axe(browser)
    address, _ = staff_site.make_account("trainer", name="Tam Trainer")
    page = staff_browser(javascript=False).page
    page.goto(staff_site.training + "/")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert heading(page) == "Active bystander hub"

    page.goto(staff_site.training + "/resources/new")
    axe(page, "add a resource", javascript=False)
    page.get_by_label("Title").fill("Speaking up safely")
    page.get_by_role("button", name="Save the resource").click()
    assert page.title().startswith("Error: ")
    assert "Select the type of resource" in page.inner_text(".nhsuk-error-summary")
    assert page.get_by_label("Title").input_value() == "Speaking up safely"
    axe(page, "add a resource, with errors", javascript=False)
    page.get_by_label("Summary").fill("How to raise a concern and who can help.")
    page.get_by_label("Guide").check()
    page.get_by_label("A link to a page elsewhere").check()
    page.get_by_label("Link address (https only)").fill("https://www.example.org/speaking-up")
    page.get_by_role("button", name="Save the resource").click()
    assert heading(page) == "Resource library" and "The resource was added." in page.inner_text("main")
    page.get_by_label("Search titles and summaries").fill("concern")
    page.get_by_role("button", name="Search").click()
    assert "1 resource found" in page.inner_text("main")
    axe(page, "resource library, searched", javascript=False)

    page.goto(staff_site.training + "/contacts/new")
    page.get_by_role("button", name="Save the contact").click()
    assert "Enter a name or a role" in page.inner_text(".nhsuk-error-summary")
    axe(page, "add a contact, with errors", javascript=False)
    page.get_by_label("Freedom to Speak Up guardian").check()
    page.get_by_label("Name or role").fill("Speak Up guardian")
    page.get_by_label("Phone").fill("0113 496 0000")
    page.get_by_role("button", name="Save the contact").click()
    assert heading(page) == "Local contacts"
    axe(page, "local contacts", javascript=False)

    page.goto(staff_site.training + "/profile")
    axe(page, "your organisation", javascript=False)
    page.goto(staff_site.training + "/support")
    assert "Speak Up guardian" in page.inner_text("main")
    axe(page, "support page with local contacts", javascript=False)

    page.goto(staff_site.training + "/certificate")
    assert "Still to do" in page.inner_text("main")
    axe(page, "certificate, not yet earned", javascript=False)
    page.goto(staff_site.training + "/verify?code=nonsense")
    assert "Enter the 16-character code" in page.inner_text(".nhsuk-error-summary")
    axe(page, "verify, with an error", javascript=False)
    page.goto(staff_site.training + "/verify?code=ABCD-EFGH-JKMN-PQRS")
    assert "Unknown code" in page.inner_text("main")
    axe(page, "verify, unknown code", javascript=False)

    page.goto(staff_site.training + "/trainers/xapi")
    axe(page, "xAPI export", javascript=False)
    page.get_by_label("First day (YYYY-MM-DD)").fill("yesterday")
    page.get_by_role("button", name="Download the statements").click()
    assert "Enter the first day as a date" in page.inner_text(".nhsuk-error-summary")
    axe(page, "xAPI export, with errors", javascript=False)
    axe.assert_clean()
