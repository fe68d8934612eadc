"""Meeting mode in a real browser never loses the notes: an action refused and then added leaves
the notes as typed, and notes left unsaved when the page is closed come back as a draft. The demo's
held meeting's minutes keep each case heading with its section (its first pages kept as images)."""

import re
import shutil
import subprocess
from datetime import timedelta

from playwright.sync_api import expect

from models.clock import uk_today
from tests.browser.helpers import ARTIFACTS, assert_accessible, fill_date, screenshot, sign_in
from tests.unit.test_pdf_minutes import HEADING, body_lines

NOTES = "Risk remains high: bail conditions breached twice.\nThe victim wants the locks changed first."


def _meeting_mode(page, position):
    """The demo's upcoming Northmoor meeting (list published, in five days), at its case `position`."""
    day = uk_today() + timedelta(days=5)
    page.goto("/meetings")
    page.get_by_role("link", name=f"{day:%A} {day.day} {day:%B %Y}", exact=False).first.click()
    page.get_by_role("link", name="Start the meeting").click()
    for _ in range(position - 1):
        page.get_by_role("link", name=re.compile("^Next case")).click()
    expect(page.get_by_role("heading", name=re.compile(rf"^{position} of \d+:"))).to_be_visible()
    return day


def test_an_action_refused_then_added_leaves_the_notes_as_typed(page):
    sign_in(page, "coordinator@example.org")
    day = _meeting_mode(page, 1)
    page.get_by_label("Discussion notes").fill(NOTES)
    page.get_by_label("Agency that owns the action").select_option(label="Northmoor Police")
    page.get_by_role("group", name="Who the action protects").get_by_label("Victim", exact=True).check()
    page.get_by_label("What will be done").fill("Monitor")
    page.get_by_label("How will we know it is done?").fill("The officer tells the coordinator")
    fill_date(page, "due_on", day + timedelta(days=7))
    page.get_by_role("button", name="Add action").click()

    expect(page.get_by_role("link", name=re.compile("'monitor' or 'be aware' is not an action"))).to_be_visible()
    expect(page.get_by_label("Discussion notes")).to_have_value(NOTES)
    expect(page.get_by_label("How will we know it is done?")).to_have_value("The officer tells the coordinator")
    assert_accessible(page)

    page.get_by_label("What will be done").fill("Police to check the bail conditions and flag the address")
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_text(re.compile(r"Notes saved\. Action A\d+ added"))).to_be_visible()
    expect(page.get_by_label("Discussion notes")).to_have_value(NOTES)
    expect(page.get_by_label("What will be done")).to_have_value("")
    rows = page.get_by_role("region", name="Actions for this case").get_by_role("row")
    expect(rows.filter(has_text="Police to check the bail conditions")).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "meeting-mode-one-form")


def test_notes_left_unsaved_when_the_page_is_closed_come_back_as_a_draft(new_page):
    first = new_page()
    sign_in(first, "coordinator@example.org")
    _meeting_mode(first, 2)
    address = first.url
    notes = first.get_by_label("Discussion notes")
    notes.fill("Typed first: the children's school has raised concerns.")
    expect(first.get_by_text(re.compile(r"^Draft saved at \d+:\d\d[ap]m"))).to_be_visible(timeout=10_000)
    later = "\nTyped last, just before the page was closed."
    notes.press("End")
    notes.type(later)
    asked = []
    first.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    first.close(run_before_unload=True)
    first.wait_for_event("close")
    assert asked == ["beforeunload"], "leaving with unsaved notes asks first"

    again = new_page()
    sign_in(again, "coordinator@example.org")
    again.goto(address)
    expect(again.get_by_text(re.compile(r"A draft of your notes saved at \d+:\d\d[ap]m was restored"))).to_be_visible()
    expect(again.get_by_label("Discussion notes")).to_have_value(
        "Typed first: the children's school has raised concerns." + later
    )
    assert_accessible(again)
    screenshot(again, "meeting-mode-draft-restored")
    again.get_by_role("button", name="Save notes").click()
    expect(again.get_by_text("Notes saved.")).to_be_visible()
    expect(again.get_by_text("A draft of your notes")).to_have_count(0)


def test_the_minutes_of_the_demos_held_meeting_keep_each_case_heading_with_its_section(page):
    sign_in(page, "coordinator@example.org")
    day = uk_today() - timedelta(days=9)  # the demo's past Northmoor meeting: held, minutes sent
    page.goto("/meetings")
    page.get_by_role("link", name=f"{day:%A} {day.day} {day:%B %Y}", exact=False).first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Minutes (PDF)").click()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "meeting-mode-minutes.pdf"
    download.value.save_as(pdf)
    if shutil.which("pdftoppm"):  # the first two pages, as images among the artefacts
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-l", "2", str(pdf), str(ARTIFACTS / "meeting-mode-minutes")], check=True
        )
        assert len(list(ARTIFACTS.glob("meeting-mode-minutes-*.png"))) == 2
    pages = body_lines(pdf.read_bytes())
    headings = 0
    for number, lines in enumerate(pages, start=1):
        marks = [index for index, line in enumerate(lines) if HEADING.match(line)]
        headings += len(marks)
        if marks:
            assert "The victim's voice" in lines[marks[-1] + 1 :], (number, lines[-3:])
    assert headings > 0
