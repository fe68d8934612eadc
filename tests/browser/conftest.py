"""A live server (gunicorn on loopback, a fresh SQLite database with the demo data) and Debian's
Chromium driven by Playwright. Skipped, with the reason, when Chromium is not installed."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The live server's environment, so a test can run `flask` commands against its database.
LIVE_ENV = {}


def run_flask(*args):
    """Run a `flask` command against the live server's database; returns its output."""
    result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=LIVE_ENV, check=True,
                            capture_output=True, text=True)
    return result.stdout


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        reason = "Chromium is not installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("MARAC_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "MARAC_CONFIG": "development",
        "DATABASE_URL": f"sqlite:///{workdir / 'live.db'}",
        "SECRET_KEY": "browser-tests-secret",
        "DEMO_PASSWORD": PASSWORD,
        "FLASK_APP": "wsgi:app",
    }
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "marac", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    LIVE_ENV.update(env)
    try:
        _wait_until_up(f"{base_url}/healthz", server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Makes pages, each in a browser context of its own (its own sign-in; options such as the
    viewport or JavaScript off); all are closed after the test."""
    contexts = []

    def make(**options):
        contexts.append(browser.new_context(base_url=live_server, **options))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


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


def refer(page, on, shots, *, victim=("Wren", "Thistlewaite"), perpetrator=("Corin", "Ashdale"), check=True):
    """The four steps of the referral form as the signed-in user, referred on `on`: a DASH of 15 Yes,
    and at "check who is already known" the first option (the known person, if there is one).
    Screenshots are named `shots`-N; axe checks each step when `check`."""
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

    expect(page.get_by_role("heading", name="Check who is already known")).to_be_visible()
    if check:
        assert_accessible(page)
    screenshot(page, f"{shots}-2-match")
    page.locator("input[name=victim_match]").first.check()
    page.locator("input[name=perpetrator_match]").first.check()
    page.get_by_role("button", name="Continue").click()

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
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral R")).to_be_visible()
    if check:
        assert_accessible(page)
    screenshot(page, f"{shots}-4-sent")
