"""An IDVA opens one of their cases and completes a DASH risk assessment in a real browser."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from models.risk import QUESTIONS
from tests.browser.helpers import assert_accessible, screenshot, sign_in

YES_COUNT = 15  # 15 Yes and 9 No: at or above the default threshold of 14


def _question(page, number):
    return page.get_by_role("group", name=f"{number}. {QUESTIONS[number]}", exact=True)


def test_an_idva_completes_a_dash_and_sees_visible_high_risk(page):
    sign_in(page, "idva@example.org")

    page.goto("/cases")
    cases = page.locator("table tbody").get_by_role("link")
    assert cases.count() > 0, "the demo IDVA has cases allocated"
    screenshot(page, "dash-1-cases")
    reference = cases.first.inner_text()
    cases.first.click()
    expect(page.get_by_text(f"Case {reference}")).to_be_visible()
    screenshot(page, "dash-2-case-overview")

    page.get_by_role("link", name="Risk", exact=True).click()
    expect(page.get_by_role("heading", name="Risk assessments")).to_be_visible()
    page.get_by_role("button", name="Start a DASH risk assessment").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/risk/new$"))
    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dash-3-empty-form")

    # Completing with nothing answered names every question that needs an answer.
    page.get_by_role("button", name="Complete assessment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.title().startswith("Error: ")
    for number in (1, 12, 24):
        expect(summary.get_by_role("link", name=f"Select an answer to question {number}", exact=True)).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the date of the assessment")).to_be_visible()
    expect(_question(page, 1).get_by_text("Select an answer to question 1")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dash-4-errors")

    # The error summary takes the user to the question (GOV.UK Frontend moves the focus there).
    summary.get_by_role("link", name="Select an answer to question 1", exact=True).click()
    expect(page.locator("#q1")).to_be_focused()

    for number in QUESTIONS:
        _question(page, number).get_by_label("Yes" if number <= YES_COUNT else "No", exact=True).check()
    assessed_on = uk_today() - timedelta(days=1)
    when = page.get_by_role("group", name="Date of the assessment")
    when.get_by_label("Day").fill(str(assessed_on.day))
    when.get_by_label("Month").fill(str(assessed_on.month))
    when.get_by_label("Year").fill(str(assessed_on.year))
    page.get_by_label("What are they afraid of, and for whom?").fill("That he will find her new address")
    screenshot(page, "dash-5-answered")

    page.get_by_role("button", name="Complete assessment").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/risk/\d+$"))
    expect(page.get_by_text(f"Assessment completed: {YES_COUNT} Yes answers, high risk.")).to_be_visible()
    expect(page.get_by_text(f"Score {YES_COUNT} of 24")).to_be_visible()
    expect(page.get_by_text("Visible high risk")).to_be_visible()
    expect(page.get_by_text("Afraid of: That he will find her new address")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dash-6-result")
