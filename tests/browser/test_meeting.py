"""The coordinator's fortnight in a real browser: triage a referral, schedule a meeting, build its
case list (children first) and publish it; the police and housing representatives answer
research; the coordinator runs the meeting and agrees three SMART actions for three agencies;
the chair approves the minutes; the coordinator sends them and downloads the papers, which are
read back and kept as images among the test artefacts."""

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from models import Meeting
from models.clock import uk_today
from tests.browser.helpers import ARTIFACTS, LIVE_ENV, assert_accessible, fill_date, screenshot, sign_in, sign_out

CHILDREN, ADULTS = "New cases with children", "New cases, adults only"
ACTIONS = (  # owner, who it protects, what, how completion is known, days after the meeting
    (
        "Northmoor Police",
        "Victim",
        "Put an urgent-response marker on the victim's address",
        "Marker reference sent to the coordinator",
        2,
    ),
    (
        "Northmoor Housing",
        "Victim",
        "Fit new locks and a door chain through the sanctuary scheme",
        "Locksmith's invoice sent to the coordinator",
        14,
    ),
    (
        "Northmoor Children's Social Care",
        "Children",
        "Complete a child and family assessment of both children",
        "Assessment outcome shared with the IDVA",
        28,
    ),
)

ATTENDING = {
    "Northmoor Police": "DS Morgan Fairweather",
    "Northmoor Housing": "Alex Brindley",
    "Northmoor Children's Social Care": "Sam Okonjo",
    "Northmoor IDVA Service": "Indra Advisor",
}


def _accept_a_referral(page, *, with_children):
    """Triage: open the referrals waiting in Northmoor until one has (or has not) children in the
    household, and accept it. Returns the case's reference."""
    page.get_by_role("link", name="Referrals", exact=True).click()
    page.get_by_role("link", name="Waiting for triage").click()
    expect(page.get_by_role("link", name="Waiting for triage")).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    if with_children:
        screenshot(page, "meeting-01-waiting-for-triage")
    rows = page.locator("tbody tr").filter(has=page.locator("td:nth-child(5)", has_text="Northmoor"))
    for href in [row.get_by_role("link").get_attribute("href") for row in rows.all()]:
        page.goto(href)
        children = page.locator(".govuk-summary-list__row", has=page.get_by_text("Children in the household"))
        if ("None recorded" not in children.inner_text()) == with_children:
            break
    else:
        raise AssertionError(f"no referral waiting in Northmoor with children: {with_children}")
    assert_accessible(page)
    if with_children:
        screenshot(page, "meeting-02-triage")
    reference = page.get_by_role("link", name=re.compile(r"^Open case C\d+$")).inner_text().split()[-1]
    page.get_by_label(re.compile(r"Accept: list for the ")).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(re.compile(r"Decision recorded for referral R\d+"))).to_be_visible()
    return reference


def _meeting_has_begun(meeting_url):
    """The live server's clock cannot be moved: the meeting is moved to have begun an hour ago, so
    that it may be recorded as held."""
    engine = sa.create_engine(LIVE_ENV["DATABASE_URL"])
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    with engine.begin() as connection:
        started = datetime.now(UTC) - timedelta(hours=1)
        connection.execute(sa.update(Meeting).where(Meeting.id == meeting_id).values(starts_at=started))
    engine.dispose()


def _case_list(page):
    """[(section, case reference, has a child)] in the order the meeting page shows them."""
    listed, section = [], None
    for element in page.locator("main h3, main .govuk-summary-card").all():
        if element.evaluate("e => e.tagName") == "H3":
            section = element.inner_text()
        else:
            reference = re.search(r"Case (C\d+)", element.locator("h4").inner_text()).group(1)
            listed.append((section, reference, element.locator("dt", has_text=re.compile("^Child$")).count() > 0))
    return listed


def _add_action(page, owner, protects, what, how_known, due):
    form = page.locator("form", has=page.get_by_role("button", name="Add action"))
    form.get_by_label("Agency that owns the action").select_option(label=owner)
    form.get_by_role("group", name="Who the action protects").get_by_label(protects, exact=True).check()
    form.get_by_label("What will be done").fill(what)
    form.get_by_label("How will we know it is done?").fill(how_known)
    fill_date(page, "due_on", due)
    form.get_by_role("button", name="Add action").click()
    expect(page.get_by_text(re.compile(r"Action A\d+ added"))).to_be_visible()


def _download_pdf(page, link_name, stem):
    """Download a paper by its link; keep it and its first pages as images; return its pages' text,
    each with the whitespace made single spaces."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    assert download.value.suggested_filename.startswith("marac-")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{stem}.pdf"
    download.value.save_as(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", "3", str(pdf), str(ARTIFACTS / stem)], check=True)
        assert list(ARTIFACTS.glob(f"{stem}-*.png"))
    pages = [" ".join((sheet.extract_text() or "").split()) for sheet in PdfReader(pdf).pages]
    assert pages and all("OFFICIAL-SENSITIVE" in text for text in pages), f"{stem}: every page is marked"
    return " ".join(pages)


def test_coordinator_triages_runs_a_meeting_and_the_chair_approves_the_minutes(page):
    day = uk_today() + timedelta(days=35)
    sign_in(page, "coordinator@example.org")
    reference = _accept_a_referral(page, with_children=True)
    adult = _accept_a_referral(page, with_children=False)

    page.goto("/meetings/schedule")
    page.select_option("#area_id", label="Northmoor")
    fill_date(page, "first_day", day)
    page.fill("#count", "1")
    page.select_option("#chair_id", label="Charlie Chair")
    page.fill("#venue", "Northmoor Civic Centre")
    assert_accessible(page)
    screenshot(page, "meeting-03-schedule")
    page.get_by_role("button", name="Create meetings").click()
    expect(page.get_by_text("1 meeting created.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"{day:%A} {day.day} {day:%B %Y}", exact=False).first.click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))  # a click does not wait for the page
    meeting_url = page.url

    page.get_by_role("link", name="Build the case list").click()
    expect(page.get_by_text(f"Case {reference}: New cases with children")).to_be_visible()
    expect(page.get_by_text(f"Case {adult}: New cases, adults only")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-04-list-preview")
    page.get_by_role("button", name="Add the ticked cases").click()
    expect(page.get_by_text(re.compile(r"\d+ cases? added to the list"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-04-case-list")
    listed = _case_list(page)
    assert (CHILDREN, reference, True) in listed, "the accepted referral is listed with the cases with children"
    with_children = [n for n, (section, _reference, child) in enumerate(listed) if section == CHILDREN and child]
    adults_only = [n for n, (section, _reference, child) in enumerate(listed) if section == ADULTS and not child]
    assert adults_only and len(with_children) + len(adults_only) == sum(s in (CHILDREN, ADULTS) for s, _r, _c in listed)
    assert max(with_children) < min(adults_only), "new cases with children come before adult-only ones"
    page.get_by_role("button", name="Publish the case list").click()
    expect(page.get_by_text("Case list published. Each invited agency")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "police@example.org")
    page.goto(meeting_url)
    page.get_by_role("button", name=f"Nothing known for case {reference}").click()
    expect(page.get_by_text(f"'Nothing known' sent for case {reference}")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-05-police-research")
    sign_out(page)

    sign_in(page, "housing@example.org")
    page.goto(meeting_url)
    page.get_by_role("link", name=f"Record what your records show for case {reference}").click()
    page.fill("#facts", "Rent arrears since March; a repairs visit found a damaged door.")
    assert_accessible(page)
    screenshot(page, "meeting-06-housing-research")
    page.get_by_role("button", name="Send research").click()
    expect(page.get_by_text(f"Research sent for case {reference}")).to_be_visible()
    sign_out(page)

    sign_in(page, "coordinator@example.org")
    page.goto(meeting_url)
    page.get_by_role("link", name="Research from each agency").click()
    expect(page.get_by_text("Submitted").first).to_be_visible()
    expect(page.get_by_text("Nothing known").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-07-research-grid")

    page.goto(meeting_url)
    page.get_by_role("link", name="Record attendance").click()
    expect(page.get_by_role("heading", name="Attendance", exact=True)).to_be_visible()
    for agency, person in ATTENDING.items():
        page.get_by_label(f"{agency} present").check()
        page.get_by_label(f"Representative of {agency}").fill(person)
        page.get_by_label(f"{agency} signed").check()
    assert_accessible(page)
    screenshot(page, "meeting-08-attendance")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    page.get_by_role("link", name="Start the meeting").click()
    expect(page.get_by_role("heading", name=re.compile(r"^1 of \d+:"))).to_be_visible()
    assert_accessible(page)

    page.goto(meeting_url)
    page.get_by_role("link", name=f"Open in meeting mode case {reference}").click()
    page.fill("#discussion", "Risk remains high. Housing to fit new locks; police to mark the address.")
    page.check("#risk_after-3")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved")).to_be_visible()
    assert_accessible(page)
    for owner, protects, what, how_known, days in ACTIONS:
        _add_action(page, owner, protects, what, how_known, day + timedelta(days=days))
    agreed = page.get_by_role("region", name="Actions for this case").get_by_role("row")
    for owner, _protects, what, _how, _days in ACTIONS:
        expect(agreed.filter(has_text=what).filter(has_text=owner)).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "meeting-09-meeting-mode-actions")

    page.goto(meeting_url)
    page.get_by_role("link", name=f"Open in meeting mode case {adult}").click()
    page.fill("#discussion", "Risk remains high; the victim has moved in with her sister.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved")).to_be_visible()

    # Held only once the meeting has begun; each case not discussed (if any) is removed, with a reason.
    page.goto(meeting_url)
    expect(page.get_by_role("link", name="Record the meeting as held")).to_have_count(0)
    _meeting_has_begun(meeting_url)
    page.goto(meeting_url)
    page.get_by_role("link", name="Record the meeting as held").click()
    expect(page.get_by_text(re.compile(r"no discussion recorded|were discussed"))).to_be_visible()
    for choice in page.get_by_label("Remove it from the list").all():
        choice.check()
    for reason in page.locator("textarea").all():
        reason.fill("Open actions reviewed by email: nothing to discuss")
    assert_accessible(page)
    screenshot(page, "meeting-09b-record-held")
    page.get_by_role("button", name="Record the meeting as held").click()
    expect(page.get_by_text("The meeting is recorded as held")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Move up"))).to_have_count(0)  # the list is locked
    sign_out(page)

    # The chair reads the draft minutes, then approves them.
    sign_in(page, "chair@example.org")
    page.goto(meeting_url)
    assert_accessible(page)
    draft = _download_pdf(page, "Minutes (PDF)", "meeting-10-draft-minutes")
    assert "DRAFT" in draft and "Risk remains high" in draft
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.get_by_text("Minutes approved. The coordinator can now send them.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-11-minutes-approved")
    sign_out(page)

    sign_in(page, "coordinator@example.org")
    page.goto(meeting_url)
    page.get_by_role("button", name="Send the minutes").click()
    expect(page.get_by_text("Minutes sent: each attending agency has been told.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meeting-12-minutes-sent")

    case_list = _download_pdf(page, "Case list (PDF)", "meeting-13-case-list")
    assert reference in case_list
    assert case_list.index(CHILDREN) < case_list.index(ADULTS)
    minutes = _download_pdf(page, "Minutes (PDF)", "meeting-14-minutes")
    assert "DRAFT" not in minutes and "Approved by Charlie Chair" in minutes
    assert "4 people present from 4 agencies" in minutes
    assert all(person in minutes for person in ATTENDING.values())
    for _owner, _protects, what, how_known, _days in ACTIONS:
        assert what in minutes and how_known in minutes
    housing = _download_pdf(page, "Northmoor Housing: actions (PDF)", "meeting-15-housing-actions")
    assert ACTIONS[1][2] in housing
    assert ACTIONS[0][2] not in housing and ACTIONS[2][2] not in housing, "no other agency's actions"
