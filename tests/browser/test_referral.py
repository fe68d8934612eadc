"""The police representative refers a victim through the browser, then refers the same victim
and perpetrator five months later and sees the repeat (issue: MARAC referrals)."""

from datetime import timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import assert_accessible, refer, sign_in


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
