"""The coordinator's week in a real browser: schedule, build and publish the list; the police and
housing representatives answer research; the coordinator runs the meeting and downloads the
minutes, whose pages are kept as images among the test artefacts."""

import shutil
import subprocess
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_accessible, screenshot, sign_in


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_coordinator_builds_publishes_and_runs_a_meeting(page):
    day = date.today() + timedelta(days=35)
    sign_in(page, "coordinator@example.org")
    page.goto("/meetings/schedule")
    page.select_option("#area_id", label="Northmoor")
    page.fill("#first_day-day", str(day.day))
    page.fill("#first_day-month", str(day.month))
    page.fill("#first_day-year", str(day.year))
    page.fill("#count", "1")
    page.select_option("#chair_id", label="Charlie Chair")
    page.fill("#venue", "Northmoor Civic Centre")
    assert_accessible(page)
    page.get_by_role("button", name="Create meetings").click()
    page.get_by_role("link", name=f"{day:%A} {day.day} {day:%B %Y}", exact=False).first.click()
    meeting_url = page.url

    page.get_by_role("button", name="Build the case list").click()
    expect(page.get_by_text("cases added to the list")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-1-list-built")
    page.get_by_role("button", name="Publish the case list").click()
    expect(page.get_by_text("Case list published. Each invited agency")).to_be_visible()
    _sign_out(page)

    sign_in(page, "police@example.org")
    page.goto(meeting_url)
    page.get_by_role("button", name="Nothing known").first.click()
    expect(page.get_by_text("'Nothing known' sent")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-2-police-research")
    _sign_out(page)

    sign_in(page, "housing@example.org")
    page.goto(meeting_url)
    page.get_by_role("link", name="Record what your records show").first.click()
    page.fill("#facts", "Rent arrears since March; a repairs visit found a damaged door.")
    assert_accessible(page)
    page.get_by_role("button", name="Send research").click()
    expect(page.get_by_text("Research sent")).to_be_visible()
    _sign_out(page)

    sign_in(page, "coordinator@example.org")
    page.goto(meeting_url)
    page.get_by_role("link", name="Research from each agency").click()
    expect(page.get_by_text("Submitted").first).to_be_visible()
    expect(page.get_by_text("Nothing known").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-3-research-grid")

    page.goto(meeting_url)
    page.get_by_role("link", name="Record attendance").click()
    for checkbox in page.locator("input[name^=present-]").all()[:4]:
        checkbox.check()
    assert_accessible(page)
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_role("link", name="Start the meeting").click()
    page.fill("#discussion", "Risk remains high. Housing to fit new locks; police to flag the address.")
    page.check("#risk_after-3")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-4-meeting-mode")

    page.goto(meeting_url)
    page.get_by_role("button", name="Mark the meeting as held").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Minutes (PDF)").click()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "meeting-5-minutes.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "marac-" in download.value.suggested_filename
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", "3", str(pdf), str(ARTIFACTS / "meeting-5-minutes")],
                       check=True)
        assert list(ARTIFACTS.glob("meeting-5-minutes-*.png"))
