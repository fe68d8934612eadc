"""The housing representative completes their agency's action with evidence; the coordinator's
completion figures change; an overdue action notifies its agency once the scheduler runs with
the clock moved on (issue: SMART actions)."""

import re
from datetime import datetime, time, timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import assert_accessible, fill_date, run_flask, screenshot, sign_in, sign_out


def _housing_rate(page):
    page.goto("/actions/overview")
    row = page.get_by_role("row", name=re.compile("Northmoor Housing"))
    return row.inner_text()


def test_housing_completes_an_action_and_an_overdue_one_is_notified(page):
    sign_in(page, "coordinator@example.org")
    before = _housing_rate(page)
    sign_out(page)

    sign_in(page, "housing@example.org")
    page.goto("/actions?status=open")
    assert_accessible(page)
    screenshot(page, "actions-1-housing-list")
    owners = page.locator("table tbody tr td:nth-child(3)").all_inner_texts()
    assert owners and all(owner.strip() == "Northmoor Housing" for owner in owners)
    page.locator("table tbody tr a").first.click()
    page.get_by_label("Completed", exact=True).check()
    fill_date(page, "completed_on", uk_today())
    page.fill("#evidence", "Locks fitted on 20 November; the victim confirmed by phone.")
    assert_accessible(page)
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("updated: Completed")).to_be_visible()
    screenshot(page, "actions-2-completed")
    sign_out(page)

    sign_in(page, "coordinator@example.org")
    after = _housing_rate(page)
    assert after != before
    assert_accessible(page)
    screenshot(page, "actions-3-overview")
    sign_out(page)

    # Move the clock to the morning after an open housing action falls due and run the scheduler.
    sign_in(page, "housing@example.org")
    page.goto("/actions?status=open")
    due_text = page.locator("table tbody tr td:nth-child(4)").first.inner_text().split("\n")[0]
    due = datetime.strptime(due_text.strip(), "%d %B %Y").date()
    run_at = datetime.combine(due + timedelta(days=1), time(7, 36)).isoformat()
    output = run_flask("marac", "run-jobs", "--at", run_at)
    assert "overdue_notices" in output
    page.goto("/notifications")
    expect(page.get_by_text(re.compile(r"MARAC action A\d+ is overdue")).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "actions-4-overdue-notification")
