"""The header's search box as a coordinator uses it (part of a surname, then the results and back
to them), and a page printed: no navigation, buttons or forms, the OFFICIAL-SENSITIVE marking at
the top of every sheet, tables whole (issue 19: search that finds; print)."""

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.helpers import assert_accessible, screenshot, sign_in

ASSETS_SRC = Path(__file__).resolve().parents[2] / "marac" / "assets_src"


def _our_styles(page):
    """Our stylesheets as this tree has them: `make assets` copies marac/assets_src into the static
    folder, which a worktree may share with another checkout."""
    for name in ("marac.css", "print.css"):
        page.route(f"**/assets/{name}", _serve(ASSETS_SRC / name))


def _serve(path):
    return lambda route: route.fulfill(path=str(path))


def test_the_header_search_finds_part_of_a_surname_with_no_term_in_any_address(page):
    _our_styles(page)
    sign_in(page, "coordinator@example.org")
    page.goto("/cases")
    assert_accessible(page)  # the header with its search box
    screenshot(page, "search-header")
    # The box and its button fit a 320 CSS pixel screen (WCAG 1.4.10) and leave the page unmoved.
    page.set_viewport_size({"width": 320, "height": 256})
    assert page.evaluate("document.documentElement.scrollWidth") <= 321
    page.set_viewport_size({"width": 1280, "height": 800})
    box = page.get_by_role("search", name="Cases").get_by_label("Search cases")
    box.fill("Brindle")
    page.get_by_role("search", name="Cases").get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Search results")).to_be_visible()
    assert re.fullmatch(r".*/people/search/[\w-]+", page.url) and "Brindle" not in page.url
    results = page.get_by_role("region", name="Search results")
    expect(results.get_by_text("Surname begins with the name searched").first).to_be_visible()
    expect(results.get_by_role("link", name=re.compile(r"^C\d{6}$")).first).to_be_visible()
    expect(page.get_by_label("Search cases", exact=True)).to_have_value("Brindle")
    assert_accessible(page)
    screenshot(page, "search-results")

    # Open a result and come back: the same results, from the saved search.
    results_url = page.url
    results.get_by_role("link", name=re.compile(r"^C\d{6}$")).first.click()
    page.go_back()
    assert page.url == results_url
    expect(page.get_by_text("Surname begins with the name searched").first).to_be_visible()


def test_a_printed_page_has_the_marking_on_every_sheet_and_nothing_to_click(page):
    _our_styles(page)
    sign_in(page, "coordinator@example.org")
    page.goto("/referrals")
    expect(page.get_by_role("heading", name="Referrals")).to_be_visible()
    page.emulate_media(media="print")

    # The screen's marking band gives way to the one printed in every sheet's margin.
    screen_only = (".govuk-service-navigation", ".marac-header-search", ".govuk-button", ".moj-sub-navigation", "form")
    for selector in (*screen_only, ".marac-marking"):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator(".marac-table-wrapper").first).to_have_css("overflow-x", "visible")
    expect(page.get_by_role("table")).to_be_visible()

    # As printed: the marking is the topmost text of every sheet.
    sheets = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    assert len(sheets) > 1
    for number, sheet in enumerate(sheets, start=1):
        assert _topmost_text(sheet) == "OFFICIAL-SENSITIVE", number


def _topmost_text(sheet):
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            # Where the text starts on the sheet: its matrix, then the page's (PDF y goes up).
            found.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text.strip()))

    sheet.extract_text(visitor_text=visit)
    return max(found)[1]
