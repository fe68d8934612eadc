"""The IDVA manager allocates a waiting case; the IDVA logs two attempts and a contact, writes
the safety plan, records the needs at intake and closes the case with its outcomes. The IDVA's
capacity gauge goes up at allocation and down at closure (issue: IDVA caseload)."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import assert_accessible, fill_date, screenshot, sign_in

NEEDS = (
    "health",
    "accommodation",
    "family",
    "education_employment",
    "drugs_alcohol",
    "finance",
    "outlook",
    "social",
)


def _gauge(page, name=None):
    """The '13 of 14 cases' text of a gauge: the IDVA's own, or in the row of `name`."""
    scope = page.get_by_role("row").filter(has_text=name) if name else page
    text = scope.locator(".marac-gauge").first.inner_text()
    return re.search(r"(\d+) of (\d+) cases", text).groups()


def _log(page, *, method, outcome, safe="#was_safe", note=None):
    page.get_by_role("link", name="Log a contact or an attempt").click()
    expect(page.get_by_role("heading", name="Log a contact or an attempt")).to_be_visible()
    page.check(method)
    page.check(outcome)
    page.check(safe)
    if note:
        page.fill("#note", note)
    return page


def test_manager_allocates_and_the_idva_works_and_closes_the_case(new_page):
    manager = new_page()
    sign_in(manager, "idva.manager@example.org")
    manager.goto("/caseload/team")
    expect(manager.get_by_role("heading", name="IDVA caseloads and allocation")).to_be_visible()
    assert_accessible(manager)
    screenshot(manager, "caseload-1-team")
    before, capacity = _gauge(manager, "Indra Advisor")

    manager.get_by_role("link", name=re.compile("^Allocate case C")).first.click()
    expect(manager.get_by_role("heading", name="Allocate the case")).to_be_visible()
    reference = manager.locator(".govuk-caption-l").inner_text().split()[-1]
    manager.get_by_label(re.compile("Indra Advisor:")).check()
    assert_accessible(manager)
    screenshot(manager, "caseload-2-allocate")
    manager.get_by_role("button", name="Allocate").click()
    expect(manager.get_by_text("allocated to Indra Advisor")).to_be_visible()
    after_allocation = _gauge(manager, "Indra Advisor")
    assert after_allocation == (str(int(before) + 1), capacity)
    screenshot(manager, "caseload-3-allocated")

    page = new_page()
    sign_in(page, "idva@example.org")
    page.goto("/caseload/")
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert _gauge(page) == after_allocation
    assert_accessible(page)
    screenshot(page, "caseload-4-idva-list")

    page.get_by_role("row").filter(has_text=reference).get_by_role("link").click()
    expect(page.get_by_role("link", name="Log a contact or an attempt")).to_be_visible()
    expect(page.get_by_text(f"Case {reference}")).to_be_visible()
    assert_accessible(page)

    _log(page, method="#method", outcome="#outcome-3")  # phone, no answer
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact attempt saved.")).to_be_visible()
    _log(page, method="#method-3", outcome="#outcome-4").get_by_role("button", name="Save").click()  # a text, message
    expect(page.get_by_text("Contact attempt saved.")).to_be_visible()
    _log(page, method="#method-2", outcome="#outcome", note="Met at the children's centre; agreed a safe number.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact saved.")).to_be_visible()
    expect(page.get_by_text("Met at the children's centre; agreed a safe number.")).to_be_visible()
    screenshot(page, "caseload-5-contacts")

    page.get_by_role("link", name="Write the safety plan").click()
    page.fill("#home_security", "Locks changed through the sanctuary scheme.")
    page.fill("#emergency_plan", "999, press 55 if unable to speak; bag kept at her sister's.")
    page.check("#legal_orders")  # a non-molestation order
    page.fill("#legal_protection", "Application made; hearing next week.")
    fill_date(page, "review_on", uk_today() + timedelta(days=28))
    assert_accessible(page)
    screenshot(page, "caseload-6-safety-plan")
    page.get_by_role("button", name="Save safety plan").click()
    expect(page.get_by_text("Safety plan saved.")).to_be_visible()
    expect(page.get_by_text("Version 1 of 1")).to_be_visible()

    page.get_by_role("link", name="Record needs at intake").click()
    for key in NEEDS:
        page.check(f"#need_{key}-4")  # high
    page.check("#abuse_ongoing")  # yes
    page.check("#feels_safe")  # very unsafe
    page.check("#quality_of_life-2")  # poor
    assert_accessible(page)
    page.get_by_role("button", name="Save intake").click()
    expect(page.get_by_text("Intake saved.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "caseload-7-idva-tab")

    page.get_by_role("link", name="Close the case").click()
    # Nothing chosen: GOV.UK errors, then the answers.
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Select why the case is closing")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "caseload-8-close-errors")
    page.check("#reason")  # risk reduced
    page.check("#risk_level-2")  # medium
    page.check("#abuse_ongoing-2")  # no
    page.check("#feels_safe-4")  # safe
    page.check("#quality_of_life-4")  # good
    for key in NEEDS:
        page.check(f"#need_{key}-2")  # low
    page.check("#satisfaction")  # very satisfied
    assert_accessible(page)
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text(re.compile(r"Case C\d+ closed\."))).to_be_visible()
    assert _gauge(page) == (before, capacity)
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "caseload-9-closed")
