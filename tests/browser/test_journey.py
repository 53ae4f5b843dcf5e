"""The reporter's whole journey in headless Chromium: with JavaScript, without it, and by
keyboard alone; axe-core on every page."""

from __future__ import annotations

import re

import pytest

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.pipeline, pytest.mark.slow]

ACCOUNT = "At handover a relative asked Dr Priya Shah where she was really from, and laughed."


def fill_report(page) -> None:
    page.get_by_label("What happened, in your own words").fill(ACCOUNT)
    page.get_by_label("I saw or heard it happen to someone else").check()
    page.get_by_label("Race").check()
    page.get_by_label("Relative or visitor").check()
    page.get_by_label("Acute hospital").check()
    page.get_by_label("Nursing and midwifery").check()
    page.get_by_label("It affected me moderately").check()


def check_and_send(page) -> str:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("h1:text('Check your answers before sending')", timeout=30_000)
    redacted = page.locator("#redacted-account").inner_text()
    assert "Priya" not in redacted and "Shah" not in redacted and "[PERSON" in redacted
    page.get_by_role("button", name="Send report").click()
    page.wait_for_selector("#receipt-code")
    return page.locator("#receipt-code").inner_text()


def look_up(page, base: str, code: str) -> None:
    page.goto(base + "/receipt")
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Look up report").click()
    page.wait_for_selector("h1:text('Your report')")


def test_the_journey_with_javascript_and_no_accessibility_violations(page, live_intake):
    problems = {}
    for path in ("/", "/faq", "/privacy", "/accessibility", "/support", "/receipt", "/you-said-we-did", "/report"):
        page.goto(live_intake + path)
        found = axe_violations(page)
        if found:
            problems[path] = found
    # The character count is JavaScript's enhancement: it counts as they type.
    page.get_by_label("What happened, in your own words").fill("Twelve chars")
    page.wait_for_function("document.querySelector('.nhsuk-character-count__status')")
    assert "4,988" in page.locator(".nhsuk-character-count__status").first.inner_text()

    page.goto(live_intake + "/report")
    page.get_by_role("button", name="Continue").click()  # empty: the error summary
    page.wait_for_selector(".nhsuk-error-summary")
    problems_errors = axe_violations(page)
    if problems_errors:
        problems["/report (errors)"] = problems_errors

    fill_report(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#redacted-account", timeout=30_000)
    if found := axe_violations(page):
        problems["check"] = found
    page.get_by_role("button", name="Change your answers").click()
    assert page.get_by_label("What happened, in your own words").input_value() == ACCOUNT
    assert page.get_by_label("Race").is_checked()
    code = check_and_send(page)
    if found := axe_violations(page):
        problems["sent"] = found
    assert len(code.split()) == 6

    look_up(page, live_intake, code.upper())
    if found := axe_violations(page):
        problems["receipt"] = found
    assert problems == {}, problems


def test_the_journey_without_javascript(page_without_js, live_intake):
    page = page_without_js
    page.goto(live_intake + "/")
    page.get_by_role("button", name="Start now").click()
    fill_report(page)
    code = check_and_send(page)
    # Redaction comes back through the backbone; the receipt shows it once it has.
    for _ in range(60):
        look_up(page, live_intake, code)
        if page.locator("#redacted-text").count():
            break
        page.wait_for_timeout(500)
    text = page.locator("#redacted-text").inner_text()
    assert "[PERSON" in text and "Priya" not in text
    assert page.locator("#no-actions").count() == 1
    page.get_by_label(re.compile("Anything you want to add")).fill("Dr Priya Shah heard it again.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector("#note-added")
    assert "Priya" not in page.locator("#note-added").inner_text()


def test_keyboard_only_completion(page, live_intake):
    page.goto(live_intake + "/report")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    page.locator("#account").focus()
    page.keyboard.type("Someone kept calling me by the wrong name on purpose.")
    # Tab to the first radio of the next question and choose it with the keyboard.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#experience-1").is_checked()
    page.locator("button:text('Continue')").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#redacted-account", timeout=30_000)
    send = page.get_by_role("button", name="Send report")
    for _ in range(60):
        page.keyboard.press("Tab")
        if send.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("Send report cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-code")
