"""Every demo role signs in through a real browser and lands on an accessible dashboard."""

import pytest

from marac.services.demo import DEMO_USERS
from tests.browser.helpers import assert_accessible, screenshot, sign_in, sign_out


def test_sign_in_page_is_accessible(page):
    page.goto("/auth/login")
    assert page.title() == "Sign in – MARAC"
    assert_accessible(page)
    screenshot(page, "sign-in")


def test_a_wrong_password_is_reported_accessibly(page):
    sign_in(page, "police@example.org", "not the password")
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
    assert page.title().startswith("Error: ")
    assert_accessible(page)


@pytest.mark.parametrize("email", [email for email, *_ in DEMO_USERS])
def test_each_demo_role_signs_in_to_their_dashboard(page, email):
    sign_in(page, email)
    assert page.url.endswith("/")
    assert page.get_by_text("OFFICIAL-SENSITIVE").first.is_visible()
    for role in next(roles for e, _n, roles, _k in DEMO_USERS if e == email):
        assert page.get_by_role("heading", name=role.label, exact=True).is_visible()
    assert_accessible(page)
    screenshot(page, f"dashboard-{email.split('@')[0]}")
    sign_out(page)
    assert "/auth/login" in page.url
