"""A live server (gunicorn on loopback, a fresh SQLite database with the demo data) and Debian's
Chromium driven by Playwright. Skipped, with the reason, when Chromium is not installed. What a
test does with a page (sign in, fill a date, an axe check...) is in tests/browser/helpers.py."""

import os
import shutil

import pytest

from tests.browser.helpers import LIVE_ENV
from tests.factories import PASSWORD
from tests.live_server import flask_command, gunicorn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
    flask_command(env, "db", "upgrade")
    flask_command(env, "marac", "seed-demo")
    LIVE_ENV.update(env)
    with gunicorn(env, workdir / "gunicorn.log") as base_url:
        yield base_url


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
