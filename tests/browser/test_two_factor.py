"""The administrator's journey: a new user signs in with a one-time password, chooses their own,
sets up two-factor sign-in and signs in again with a code from their authenticator app."""

import time

import pyotp
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, screenshot, sign_in, sign_out

NEW_PASSWORD = "tangerine lighthouse cobble 42"


def _fresh_code(secret):
    """A code from a time step no code has been used in yet (a used step is refused as a replay)."""
    totp = pyotp.TOTP(secret)
    time.sleep(totp.interval - time.time() % totp.interval + 1)
    return totp.now()


def test_admin_creates_a_user_who_sets_up_two_factor_sign_in(page):
    sign_in(page, "admin@example.org")
    page.goto("/admin/users/new")
    page.fill("#name", "Robin Newstarter")
    page.fill("#email", "robin.newstarter@example.org")
    page.select_option("#agency_id", label="Northmoor Housing")
    page.check("input[name=roles][value=agency_rep]")
    page.check("input[name=area_ids]")
    assert_accessible(page)
    page.get_by_role("button", name="Save user").click()
    one_time = page.locator("code").inner_text().strip()
    screenshot(page, "two-factor-1-account-created")
    sign_out(page)

    sign_in(page, "robin.newstarter@example.org", one_time)
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    assert_accessible(page)
    page.fill("#current_password", one_time)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    page.goto("/auth/two-factor/setup")
    assert_accessible(page)
    screenshot(page, "two-factor-2-setup")
    secret = page.locator("code.marac-secret").text_content().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.locator("main form").get_by_role("button").first.click()
    expect(page.get_by_text("Two-factor sign-in is set up")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "two-factor-3-recovery-codes")
    page.goto("/")
    sign_out(page)

    sign_in(page, "robin.newstarter@example.org", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(page)
    page.fill("#code", _fresh_code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Hello, Robin Newstarter")).to_be_visible()
    screenshot(page, "two-factor-4-signed-in")
