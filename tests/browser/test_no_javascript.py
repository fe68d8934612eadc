"""With JavaScript off (blocked by policy, failed to load, an old device), the core forms still
work: GOV.UK progressive enhancement. Sign-in, the whole referral, and an action update."""

import re

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import refer, screenshot, sign_in, sign_out


def test_sign_in_refer_and_update_an_action_with_javascript_off(new_page):
    page = new_page(java_script_enabled=False)
    sign_in(page, "police@example.org")
    expect(page.get_by_role("heading", name=re.compile("^Hello,"))).to_be_visible()
    assert not page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')"), "scripts ran"

    # Errors come back from the server, in GOV.UK's error summary.
    page.goto("/referrals/new")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Select whether the victim consented")).to_be_visible()

    refer(
        page,
        uk_today(),
        "no-javascript-referral",
        victim=("Juniper", "Oakhollow"),
        perpetrator=("Dorian", "Creswell"),
        check=False,
    )
    expect(page.get_by_text("Waiting for triage").first).to_be_visible()
    expect(page.get_by_text("score 15 of 24")).to_be_visible()
    sign_out(page)

    sign_in(page, "housing@example.org")
    page.goto("/actions?status=open")
    page.locator("table tbody tr a").first.click()
    page.get_by_label("In progress", exact=True).check()
    page.fill("#note", "Locksmith booked for Thursday.")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("updated: In progress")).to_be_visible()
    expect(page.get_by_text("Locksmith booked for Thursday.").first).to_be_visible()
    screenshot(page, "no-javascript-action-updated")
