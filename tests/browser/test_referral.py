"""The police representative refers a victim through the browser, then refers the same victim
and perpetrator five months later and sees the repeat (issue: MARAC referrals)."""

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, fill_date, screenshot, sign_in


def _refer(page, on, step_name):
    page.goto("/referrals/new")
    if step_name == "first":
        assert_accessible(page)
    fill_date(page, "referred_on", on)
    page.get_by_label("First name").first.fill("Wren")
    page.get_by_label("Last name").first.fill("Thistlewaite")
    fill_date(page, "victim-date_of_birth", date(1991, 8, 14))
    page.fill("#perpetrator-first_name", "Corin")
    page.fill("#perpetrator-last_name", "Ashdale")
    fill_date(page, "perpetrator-date_of_birth", date(1987, 2, 2))
    page.check("#perpetrator-relationship_to_victim")
    page.get_by_label("Visible high risk", exact=False).check()
    page.check("#is_victim_aware")
    page.check("#has_consent")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Check who is already known")).to_be_visible()
    if step_name == "first":
        assert_accessible(page)
    screenshot(page, f"referral-{step_name}-2-match")
    # Choose the first option of each: the known person when there is one, else "a new person".
    page.locator("input[name=victim_match]").first.check()
    page.locator("input[name=perpetrator_match]").first.check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    fill_date(page, "assessed_on", on)
    for number in range(1, 25):
        page.check(f"#q{number}" if number <= 15 else f"#q{number}-2")
    page.fill("#fears_detail", "Being killed")
    if step_name == "first":
        assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    screenshot(page, f"referral-{step_name}-3-check")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral R")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"referral-{step_name}-4-sent")


def test_police_refer_and_then_see_the_repeat(page):
    sign_in(page, "police@example.org")
    today = date.today()
    _refer(page, today - timedelta(days=150), "first")
    expect(page.get_by_text("Visible high risk").first).to_be_visible()
    expect(page.get_by_text("score 15 of 24")).to_be_visible()
    first_reference = page.get_by_role("heading", name="Referral R").inner_text().split()[-1]

    _refer(page, today, "second")
    expect(page.get_by_text("Repeat", exact=True)).to_be_visible()
    expect(page.get_by_text("This is a repeat MARAC case")).to_be_visible()
    expect(page.get_by_role("link", name=first_reference)).to_be_visible()
