"""The police representative refers a victim through the browser, then refers the same victim
and perpetrator five months later and sees the repeat (issue: MARAC referrals); a whole referral
as GOV.UK patterns have it: the match step not asked, check your answers, a Change link there and
back, the confirmation panel (issue: the domain at its edges)."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import assert_accessible, fill_date, refer, screenshot, sign_in


def test_police_refer_and_then_see_the_repeat(page):
    sign_in(page, "police@example.org")
    today = uk_today()
    refer(page, today - timedelta(days=150), "referral-first")
    expect(page.get_by_text("Visible high risk").first).to_be_visible()
    expect(page.get_by_text("score 15 of 24")).to_be_visible()
    first_reference = page.get_by_role("heading", name="Referral R").inner_text().split()[-1]

    refer(page, today, "referral-second", check=False)
    expect(page.get_by_text("Repeat", exact=True)).to_be_visible()
    expect(page.get_by_text("This is a repeat MARAC case")).to_be_visible()
    expect(page.get_by_role("link", name=first_reference)).to_be_visible()
    assert_accessible(page)


def test_a_whole_referral_checked_changed_and_sent(page):
    sign_in(page, "police@example.org")
    page.goto("/referrals/new")
    page.fill("#victim-first_name", "Odette")
    page.fill("#victim-last_name", "Farrowdale")
    fill_date(page, "victim-date_of_birth", date(1988, 5, 17))
    page.fill("#victim-aliases", "Odie Farrowdale")
    page.fill("#victim-address", "3 Weir Cottages")
    page.fill("#victim-postcode", "ZZ4 2WC")
    page.fill("#victim-phone", "07700 900 123")
    page.fill("#perpetrator-first_name", "Silas")
    page.fill("#perpetrator-last_name", "Brackwater")
    page.check("#perpetrator-relationship_to_victim")
    page.fill("#children-0-first_name", "Ivy")
    page.fill("#children-0-last_name", "Farrowdale")
    fill_date(page, "children-0-date_of_birth", date(2020, 2, 2))
    page.check("#children-0-relationship_to_victim")
    page.check("#children-0-relationship_to_perpetrator")
    page.fill("#notes-not_safe_to_share_with", "His sister")
    page.get_by_label("Visible high risk", exact=False).check()
    page.check("#is_victim_aware")
    page.check("#has_consent")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    expect(page.get_by_text("No one on record matches the victim or the perpetrator")).to_be_visible()
    expect(page.locator(".marac-steps li", has_text="Check who is known")).to_contain_text("(done)")
    for number in range(1, 25):
        page.check(f"#q{number}" if number <= 15 else f"#q{number}-2")
    page.fill("#fears_detail", "Being found")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    for answer in (
        "Odie Farrowdale",
        "3 Weir Cottages",
        "07700 900 123",
        "Ivy Farrowdale",
        "His sister",
        "Being found",
    ):
        expect(page.locator(".govuk-summary-list").get_by_text(answer).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "referral-check-your-answers")

    # Change the victim's date of birth: to the field, then back to the check page.
    page.locator(".govuk-summary-list__row", has_text="Date of birth").first.get_by_role("link", name="Change").click()
    assert page.url.endswith("/edit?return_to=check#victim-date_of_birth-day")
    fill_date(page, "victim-date_of_birth", date(1988, 5, 18))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="Date of birth").first).to_contain_text("18 May 1988")

    page.get_by_role("button", name="Send referral").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Referral sent")
    expect(panel).to_contain_text(re.compile(r"Your reference is\s*R\d{6}"))
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.get_by_text("If anyone is in immediate danger, call 999.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "referral-confirmation-panel")
