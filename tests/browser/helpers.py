"""What the browser tests do with a page: sign in and out, fill a GOV.UK date, make a referral,
check it with axe, keep a screenshot; and `flask` commands against the live server's database."""

from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.live_server import flask_command

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# The live server's environment, so a test can run `flask` commands against its database.
LIVE_ENV = {}


def run_flask(*args):
    """Run a `flask` command against the live server's database; returns its output."""
    return flask_command(LIVE_ENV, *args).stdout


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page):
    """axe-core on the page as it is now: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    summary = [(v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3]) for v in bad]
    assert not bad, f"axe found on {page.url}: {summary}"


def sign_in(page, email, password=PASSWORD):
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():  # the answer to the form, not the sign-in page still showing
        page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/auth/login**")


def fill_date(page, prefix, day):
    """A GOV.UK date input: the day, month and year boxes of the field `prefix`."""
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def refer(page, on, shots, *, victim=("Wren", "Thistlewaite"), perpetrator=("Corin", "Ashdale"), check=True, send=True):
    """The four steps of the referral form as the signed-in user, referred on `on`: a DASH of 15 Yes,
    and at "check who is already known", if it is asked, the first option (the known person). Ends
    on the referral's page, past the confirmation (or, not `send`, on the check page). Screenshots
    are named `shots`-N; axe checks each step when `check`."""
    page.goto("/referrals/new")
    if check:
        assert_accessible(page)
    fill_date(page, "referred_on", on)
    page.fill("#victim-first_name", victim[0])
    page.fill("#victim-last_name", victim[1])
    fill_date(page, "victim-date_of_birth", date(1991, 8, 14))
    page.fill("#perpetrator-first_name", perpetrator[0])
    page.fill("#perpetrator-last_name", perpetrator[1])
    fill_date(page, "perpetrator-date_of_birth", date(1987, 2, 2))
    page.check("#perpetrator-relationship_to_victim")
    page.get_by_label("Visible high risk", exact=False).check()
    page.check("#is_victim_aware")
    page.check("#has_consent")
    page.get_by_role("button", name="Save and continue").click()

    # With no one on record to choose, the match step is not asked and the DASH says so.
    asked = page.get_by_role("heading", name="Check who is already known")
    expect(asked.or_(page.get_by_role("heading", name="DASH risk assessment"))).to_be_visible()
    if asked.is_visible():
        if check:
            assert_accessible(page)
        screenshot(page, f"{shots}-2-match")
        page.locator("input[name=victim_match]").first.check()
        page.locator("input[name=perpetrator_match]").first.check()
        page.get_by_role("button", name="Continue").click()
    else:
        expect(page.get_by_text("No one on record matches the victim or the perpetrator")).to_be_visible()

    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    fill_date(page, "assessed_on", on)
    for number in range(1, 25):
        page.check(f"#q{number}" if number <= 15 else f"#q{number}-2")
    page.fill("#fears_detail", "Being killed")
    if check:
        assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    if check:
        assert_accessible(page)
    screenshot(page, f"{shots}-3-check")
    if not send:
        return
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    if check:
        assert_accessible(page)
    screenshot(page, f"{shots}-4-sent")
    page.get_by_role("link", name="View the referral you sent").click()
    expect(page.get_by_role("heading", name="Referral R")).to_be_visible()
