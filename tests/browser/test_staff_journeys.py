"""Staff journeys in headless Chromium against the real accounts, analytics and training apps
(gunicorn, SQLite, a Redis of their own): by keyboard alone with JavaScript, without JavaScript,
a wrong password; axe-core on every page visited; nothing fetched from any other host and no
Content-Security-Policy violation (checked by the staff_browser fixture)."""

from __future__ import annotations

import pyotp
import pytest

from .conftest import axe_violations, axe_violations_without_js
from .staff_site import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "harbour pencil meadow thistle"


class Axe:
    """Serious and critical violations, page by page, reported together at the end of a test."""

    def __init__(self, browser):
        self.browser = browser
        self.problems: dict[str, list] = {}
        self.checked: list[str] = []

    def __call__(self, page, label: str, javascript: bool = True) -> None:
        self.checked.append(label)
        found = axe_violations(page) if javascript else axe_violations_without_js(self.browser, page)
        if found:
            self.problems[label] = found

    def assert_clean(self) -> None:
        assert self.problems == {}, self.problems


def focused(locator) -> bool:
    return bool(locator.evaluate("e => e === document.activeElement"))


def tab_to(page, locator, limit: int = 120) -> None:
    """Press Tab until ``locator`` has the focus, as someone using only a keyboard would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(locator):
            return
    pytest.fail(f"{locator} cannot be reached with the Tab key")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def press_on(page, locator, key: str = "Enter") -> None:
    tab_to(page, locator)
    with page.expect_navigation():
        page.keyboard.press(key)


def heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def test_keyboard_only_admin_invites_a_lead_who_enrols_and_reaches_analytics(staff_site, staff_browser, browser):
    axe = Axe(browser)
    admin_email, admin_totp = staff_site.make_account("admin", name="Alex Admin", totp=True)
    admin = staff_browser(javascript=True)
    page = admin.page

    # Sign in at accounts: email, password, then the code from the authenticator app.
    page.goto(staff_site.accounts + "/sign-in")
    axe(page, "accounts sign-in")
    type_into(page, page.get_by_label("Email address"), admin_email)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert heading(page) == "Enter your security code"
    axe(page, "TOTP step")
    type_into(page, page.get_by_label("Security code"), pyotp.TOTP(admin_totp).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert heading(page) == "Your account"
    axe(page, "account page (admin)")

    # Admin pages: the list, then the invitation form, first sent empty.
    press_on(page, page.get_by_role("link", name="Manage accounts and roles"))
    assert heading(page) == "Accounts"
    axe(page, "admin accounts list")
    press_on(page, page.get_by_role("link", name="Invite someone").last)
    assert heading(page) == "Invite someone"
    axe(page, "invite form")
    learner_box = page.get_by_label("Learner", exact=True)
    tab_to(page, learner_box)
    page.keyboard.press("Space")  # untick the default: nothing chosen at all
    assert not learner_box.is_checked()
    press_on(page, page.get_by_role("button", name="Send invitation"))
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert focused(summary), "the error summary takes the focus (NHS.UK frontend's JavaScript)"
    assert "Enter their full name" in summary.inner_text()
    axe(page, "invite form with errors")
    # Each error's link leads to its field; the roles' link to the first box, which takes the focus.
    roles_link = summary.get_by_role("link", name="Select at least one role")
    tab_to(page, roles_link)
    page.keyboard.press("Enter")
    assert focused(learner_box), "the roles error leads to the first checkbox"

    lead_email = f"lead-{pyotp.random_base32()[:6].lower()}@example.nhs.uk"
    type_into(page, page.get_by_label("Full name"), "Lee Lead")
    type_into(page, page.get_by_label("Email address"), lead_email)
    tab_to(page, page.get_by_label("Lead", exact=True))
    page.keyboard.press("Space")
    press_on(page, page.get_by_role("button", name="Send invitation"))
    assert heading(page) == "Accounts"
    assert f"Invitation sent to {lead_email}" in page.locator("main").inner_text()
    axe(page, "admin accounts list with an invitation")
    press_on(page, page.get_by_role("link", name="Audit log"))
    assert heading(page) == "Audit log"
    assert "invitation.sent" in page.locator("table").inner_text()
    axe(page, "audit log")

    # The invited lead, in a browser of their own, opens the emailed link.
    link = staff_site.invitation_link(lead_email)
    lead = staff_browser(javascript=True)
    page = lead.page
    page.goto(link)
    assert heading(page) == "Set your password"
    axe(page, "set-password page")
    type_into(page, page.get_by_label("Create a password"), NEW_PASSWORD)
    type_into(page, page.get_by_label("Enter the password again"), NEW_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # A lead must enrol an authenticator app before going anywhere.
    assert heading(page) == "Set up two-factor authentication"
    axe(page, "two-factor enrolment")
    secret = page.locator("main code").inner_text().replace(" ", "")
    type_into(page, page.get_by_label("Enter the 6-digit code the app now shows"), pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert heading(page) == "Your recovery codes"
    assert page.locator("main li code").count() == 10
    axe(page, "recovery codes")
    press_on(page, page.get_by_role("link", name="I have saved my recovery codes"))
    assert heading(page) == "Your account"
    assert "Lead" in page.locator("main").inner_text()
    axe(page, "account page (lead)")

    # Single sign-on: analytics signs them in through accounts without asking again.
    page.goto(staff_site.analytics + "/")
    assert page.url.startswith(staff_site.analytics), page.url
    assert heading(page) == "No figures have been published yet"
    assert "Lee Lead" in page.locator("header").inner_text()
    axe(page, "analytics home")

    # "You said, we did": a draft with a mistake comes back; saved, then published; the audit log.
    press_on(page, page.get_by_role("link", name="You said, we did"))
    assert heading(page) == "You said, we did"
    axe(page, "actions")
    press_on(page, page.get_by_role("button", name="Draft an action"))
    axe(page, "draft an action")
    type_into(page, page.get_by_label("Title"), "A quiet room for prayer on every site")
    press_on(page, page.get_by_role("button", name="Save draft"))
    assert "Enter what staff told you" in page.locator(".nhsuk-error-summary").inner_text()
    assert page.get_by_label("Title").input_value() == "A quiet room for prayer on every site"
    axe(page, "draft an action, with errors")
    type_into(page, page.get_by_label("You said", exact=True), "There was nowhere quiet to pray during shifts.")
    type_into(page, page.get_by_label("We did", exact=True), "Each site now has a quiet room, open all day.")
    tab_to(page, page.get_by_label("Religious dress and practice"))
    page.keyboard.press("Space")
    press_on(page, page.get_by_role("button", name="Save draft"))
    assert heading(page) == "A quiet room for prayer on every site"
    axe(page, "action (draft)")
    press_on(page, page.get_by_role("button", name="Publish", exact=True))
    assert "Published" in page.locator("#status").inner_text()
    axe(page, "action (published)")
    page.goto(staff_site.analytics + "/audit")
    assert page.locator("[data-testid=audit-entries] tbody tr").count() == 2
    axe(page, "analytics audit log")

    press_on(page, page.get_by_role("button", name="Sign out"))
    assert page.url.startswith(staff_site.analytics + "/signed-out"), page.url
    assert heading(page) == "You have signed out"
    axe(page, "analytics signed-out page")
    page.goto(staff_site.analytics + "/")
    assert page.url.startswith(staff_site.accounts + "/sign-in"), "signed out of analytics and of accounts"
    axe.assert_clean()


def test_without_javascript_a_learner_signs_in_to_training_is_refused_analytics_and_signs_out_everywhere(
        staff_site, staff_browser, browser):
    axe = Axe(browser)
    learner_email, _ = staff_site.make_account("learner", name="Lou Learner")
    page = staff_browser(javascript=False).page

    # Training sends them to the provider's sign-in page and, once signed in, back home.
    page.goto(staff_site.training + "/")
    assert page.url.startswith(staff_site.accounts + "/sign-in?next="), page.url
    axe(page, "accounts sign-in (from training, no JavaScript)", javascript=False)
    page.get_by_label("Email address").fill(learner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url == staff_site.training + "/", page.url
    assert heading(page) == "Active bystander hub"
    assert "Lou Learner" in page.locator("main").inner_text()
    assert page.get_by_test_id("roles").inner_text().split() == ["Learner"]
    assert "Lou Learner" in page.locator("header").inner_text()
    axe(page, "training home", javascript=False)

    # Analytics signs them in by single sign-on, then refuses: it is for leads.
    response = page.goto(staff_site.analytics + "/")
    assert response is not None and response.status == 403
    assert page.url == staff_site.analytics + "/"
    assert heading(page) == "You do not have access to this page"
    assert "for staff with the lead role" in page.locator("main").inner_text()
    axe(page, "403 page", javascript=False)

    # The header's account link leads to the account page, which signs them out everywhere.
    page.get_by_role("link", name="Your account").click()
    assert page.url.rstrip("/") == staff_site.accounts, page.url
    assert heading(page) == "Your account"
    axe(page, "account page (learner)", javascript=False)
    page.get_by_role("button", name="Sign out everywhere").click()
    assert page.url.startswith(staff_site.accounts + "/sign-in"), page.url
    assert "signed out everywhere" in page.locator("main").inner_text()
    axe(page, "accounts sign-in after signing out everywhere", javascript=False)

    # Training's session still has its cookie, but the provider now refuses it: sign in again.
    page.goto(staff_site.training + "/")
    assert page.url.startswith(staff_site.training + "/signin"), page.url
    assert "You have been signed out" in page.locator("main").inner_text()
    assert heading(page) == "Sign in"
    axe(page, "training sign-in start", javascript=False)
    page.get_by_role("link", name="Sign in").last.click()
    assert page.url.startswith(staff_site.accounts + "/sign-in"), "the provider asks for the password again"

    page.goto(staff_site.training + "/signed-out")
    assert heading(page) == "You have signed out"
    axe(page, "training signed-out page", javascript=False)
    response = page.goto(staff_site.training + "/signin/callback?error=access_denied&state=x")
    assert response is not None and response.status == 400
    assert heading(page) == "Sign-in did not complete"
    axe(page, "sign-in problem page", javascript=False)
    axe.assert_clean()


def test_a_wrong_password_shows_an_error_summary_linked_to_the_field_and_keeps_the_email(
        staff_site, staff_browser, browser):
    axe = Axe(browser)
    address, _ = staff_site.make_account("trainer", name="Tam Trainer")
    page = staff_browser(javascript=True).page
    page.goto(staff_site.accounts + "/sign-in")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert page.title().startswith("Error: ")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible() and focused(summary)
    link = summary.get_by_role("link", name="Enter a correct email address and password")
    assert link.get_attribute("href") == "#email"
    assert page.get_by_label("Email address").input_value() == address, "the email typed is kept"
    assert page.get_by_label("Password").input_value() == "", "the password is never sent back"
    field_error = page.locator("#email-error")
    assert "Enter a correct email address and password" in field_error.inner_text()
    assert "email-error" in (page.get_by_label("Email address").get_attribute("aria-describedby") or "")
    axe(page, "accounts sign-in with errors")
    link.click()
    assert focused(page.get_by_label("Email address")), "the summary's link moves the focus to the field"

    # Without JavaScript the same page works, and the link still leads to the field.
    page = staff_browser(javascript=False).page
    page.goto(staff_site.accounts + "/sign-in")
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_label("Email address").input_value() == address
    assert page.locator(".nhsuk-error-summary a[href='#password']").inner_text() == "Enter your password"
    axe(page, "accounts sign-in with errors (no JavaScript)", javascript=False)
    axe.assert_clean()


def test_a_learner_reads_a_module_passes_its_check_and_rehearses_a_scenario_without_javascript_and_by_keyboard(
        staff_site, staff_browser, browser):
    from services.training.curriculum import load_curriculum

    content = load_curriculum()
    axe = Axe(browser)
    learner_email, _ = staff_site.make_account("learner", name="Lee Learner")
    page = staff_browser(javascript=False).page
    page.goto(staff_site.training + "/")
    page.get_by_label("Email address").fill(learner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert heading(page) == "Active bystander hub"
    axe(page, "hub home with modules and scenarios", javascript=False)

    # A module, read to the end, then its knowledge check: first sent empty, then answered.
    page.get_by_role("link", name="Direct", exact=True).click()
    assert heading(page) == "Direct" and "Safety rules" in page.locator("main").inner_text()
    axe(page, "module page", javascript=False)
    page.get_by_role("button", name="I have read this: go to the knowledge check").click()
    assert page.url.endswith("/learn/direct/check")
    axe(page, "knowledge check", javascript=False)
    page.get_by_role("button", name="Check my answers").click()
    assert page.title().startswith("Error: ")
    assert "Select an answer to question 1" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page, "knowledge check with errors", javascript=False)
    for question in content.module("direct").check.questions:
        right = next(n for n, o in enumerate(question.options, 1) if o.correct)
        page.locator(f"#{question.id}-{right}").check()
    page.get_by_role("button", name="Check my answers").click()
    assert "You passed" in page.locator("main").inner_text()
    axe(page, "knowledge check feedback", javascript=False)

    # A scenario step by step without JavaScript: nothing chosen is refused, a choice gets feedback.
    page.goto(staff_site.training + "/scenarios/theatre-banter")
    assert heading(page) == "Banter in theatre" and "Content warning" in page.locator("main").inner_text()
    axe(page, "scenario introduction", javascript=False)
    page.get_by_role("button", name="Start the scenario").click()
    assert heading(page) == "What do you do?"
    axe(page, "scenario step", javascript=False)
    page.get_by_role("button", name="Continue").click()
    assert "Select what you would do" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page, "scenario step with an error", javascript=False)
    page.get_by_label(content.scenario("theatre-banter").step("during-the-case").choices[0].text).check()
    page.get_by_role("button", name="Continue").click()
    assert heading(page) == "What you chose" and "Distract" in page.locator("main").inner_text()
    axe(page, "scenario feedback", javascript=False)
    page.get_by_role("link", name="Continue").click()
    assert heading(page) == "What do you do?" and "coffee room" in page.locator("main").inner_text()

    # The rest by keyboard alone, with JavaScript on: Tab to a choice, Space to pick it, Enter to go on.
    page = staff_browser(javascript=True).page
    page.goto(staff_site.training + "/signin?go=1")  # single sign-on: the provider still knows this person
    if page.url.startswith(staff_site.accounts):
        page.get_by_label("Email address").fill(learner_email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    page.goto(staff_site.training + "/scenarios/theatre-banter/play")
    assert "coffee room" in page.locator("main").inner_text(), "the run carries on where it was left"
    press_on(page, page.get_by_role("button", name="Continue"))
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible() and focused(summary)
    for _ in ("after-the-case", "priya-talks"):
        tab_to(page, page.locator("#choice-1"))
        page.keyboard.press("Space")
        press_on(page, page.get_by_role("button", name="Continue"))
        assert heading(page) == "What you chose"
        press_on(page, page.get_by_role("link", name="Continue"))
    assert heading(page) == "Priya knows someone is on her side"
    axe(page, "scenario ending")
    press_on(page, page.get_by_role("link", name="see your progress"))
    assert heading(page) == "Your progress"
    assert "1 of 8 scenarios finished." in page.locator("main").inner_text()
    axe(page, "progress page")
    axe.assert_clean()
