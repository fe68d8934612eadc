"""Dates that make sense and a possible duplicate, in the browser (issue 20: the domain at its
edges): a referral more than 12 months ago asks the referrer to confirm it, the box appearing with
the error; the same victim and perpetrator on the same day warn at "check and send"."""

from datetime import timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import assert_accessible, fill_date, refer, screenshot, sign_in


def test_a_past_referral_is_confirmed_with_the_box_that_appears_with_the_error(page):
    sign_in(page, "police@example.org")
    page.goto("/referrals/new")
    expect(page.locator("#past_referral_confirmed")).to_have_count(0)
    fill_date(page, "referred_on", uk_today() - timedelta(days=400))
    page.fill("#victim-first_name", "Maud")
    page.fill("#victim-last_name", "Pellingham")
    page.fill("#perpetrator-first_name", "Idris")
    page.fill("#perpetrator-last_name", "Vantwell")
    page.check("#perpetrator-relationship_to_victim")
    page.get_by_label("Visible high risk", exact=False).check()
    page.check("#is_victim_aware")
    page.check("#has_consent")
    page.get_by_role("button", name="Save and continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("confirm you are recording a past referral")
    box = page.get_by_label("I confirm I am recording a referral made more than 12 months ago")
    expect(box).to_be_visible()
    expect(page.locator("#victim-last_name")).to_have_value("Pellingham")
    assert_accessible(page)
    screenshot(page, "referral-past-confirm")
    box.check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()


def test_the_same_pair_on_the_same_day_warns_at_check_and_send(page):
    sign_in(page, "police@example.org")
    today = uk_today()
    refer(page, today, "duplicate-first", check=False)
    first_reference = page.get_by_role("heading", name="Referral R").inner_text().split()[-1]

    refer(page, today, "duplicate-second", check=False, send=False)
    # Other browser tests may have sent the same pair today too: the warning naming ours.
    warning = page.locator(".marac-check-warnings .marac-possible-duplicate", has_text=first_reference)
    expect(warning).to_contain_text("Possible duplicate")
    expect(warning.get_by_role("link", name=first_reference)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "referral-possible-duplicate")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
