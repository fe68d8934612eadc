"""A coordinator follows a case heard at the demo's past meeting: its MARAC history, its Actions
tab and its timeline, filtered to actions (issue 19). axe on each; screenshots kept."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, screenshot, sign_in


def test_a_heard_case_has_its_history_actions_and_timeline(page):
    sign_in(page, "coordinator@example.org")
    page.goto("/actions/")
    reference = page.locator("table tbody tr").first.locator("td").nth(1).inner_text().strip()
    case_id = int(re.search(r"C(\d+)", reference).group(1))

    page.goto(f"/cases/{case_id}/history")
    expect(page.get_by_role("heading", name="MARAC history")).to_be_visible()
    expect(page.get_by_text("Discussed", exact=True).first).to_be_visible()
    expect(page.get_by_text("Risk discussed with all agencies present").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "case-journey-1-history")

    tabs = page.get_by_role("navigation", name="Case sections")
    tabs.get_by_role("link", name="Actions", exact=True).click()
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Action A\d+")).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "case-journey-2-actions")

    tabs.get_by_role("link", name="Timeline", exact=True).click()
    expect(page.get_by_text("Discussed at MARAC").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "case-journey-3-timeline")

    page.get_by_label("Actions", exact=True).check()
    page.get_by_role("button", name="Apply filter").click()
    expect(page.get_by_label("Actions", exact=True)).to_be_checked()
    assert page.url.endswith("/timeline?kind=action")
    expect(page.get_by_text("Discussed at MARAC")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Action A\d+ agreed")).first).to_be_visible()
    screenshot(page, "case-journey-4-timeline-actions")
