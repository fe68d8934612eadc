"""Each role's home page in a browser: its figures, each a link, accessible, with a screenshot
for the README (issue 19: home pages that help); and the notification settings page."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, screenshot, sign_in, sign_out

ROLES = [
    ("coordinator@example.org", "MARAC coordinator", "Referrals waiting for triage"),
    ("chair@example.org", "MARAC chair", "Minutes waiting for your approval"),
    ("idva@example.org", "IDVA", "Contacts overdue"),
    ("police@example.org", "Agency representative", "Research requests to answer for the coming meetings"),
    ("steering@example.org", "Steering group", "Referrals each month"),
]


@pytest.mark.parametrize(("email", "role", "figure"), ROLES, ids=[role for _e, role, _f in ROLES])
def test_each_roles_home_page(page, email, role, figure):
    sign_in(page, email)
    page.goto("/")
    expect(page.get_by_role("heading", name=role, exact=True)).to_be_visible()
    expect(page.get_by_text(figure).first).to_be_visible()
    assert page.locator(".govuk-summary-list__value a, .govuk-table a").count() > 0
    assert_accessible(page)
    screenshot(page, f"home-{email.split('@')[0].replace('.', '-')}")
    sign_out(page)


def test_notification_settings(page):
    sign_in(page, "police@example.org")
    page.goto("/notifications")
    expect(page.get_by_role("link", name="Notifications")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Notification settings").click()
    page.get_by_label("One email a day, saying how many new notifications you have").check()
    assert_accessible(page)
    screenshot(page, "notification-settings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Notification settings: one email a day")).to_be_visible()
