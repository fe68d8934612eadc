"""Reflow (WCAG 1.4.10): the main pages of every role at 320 CSS pixels wide (a 1280px window at
400% zoom) and 640 (at 200%) read without scrolling sideways and without anything cut off. A wide
table may scroll inside its own box, if that box can take the keyboard focus and has a name."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in

WIDTHS = (320, 640)
DAY = r"^\w+day \d+ \w+ \d{4}"  # a meeting's link: "Monday 7 December 2026 at 10:00am"

# Each role's pages in the order visited: a path to open, or the name (a pattern) of a link on the
# page before to follow, so that the pages of records are found the way a user finds them.
PAGES = {
    "coordinator@example.org": [
        "/",
        "/referrals?status=submitted",
        r"^R\d+$",
        "/referrals/new",
        "/cases",
        r"^C\d+$",
        "/meetings/",
        DAY,
        "^Research from each agency$",
        "/meetings/",
        DAY,
        "^Open in meeting mode",
        "/actions/",
        r"^A\d+$",
        "/actions/overview",
        "/reports/",
        "/reports/return",
    ],
    "chair@example.org": ["/", "/meetings/", DAY],
    "police@example.org": ["/", "/referrals", r"^R\d+$", "/actions/", r"^A\d+$"],
    "housing@example.org": ["/", "/meetings/", DAY, "/actions/", r"^A\d+$"],
    "idva@example.org": ["/", "/caseload/", "/cases", r"^C\d+$", "^IDVA$", "^Risk$"],
    "idva.manager@example.org": ["/", "/caseload/team", r"^Allocate case C\d+"],
    "steering@example.org": ["/", "/reports/", "/reports/return"],
    "admin@example.org": ["/", "/admin/users", "/admin/agencies", "/admin/audit"],
}

# What a reader at this width would lose: the page scrolling sideways, content cut off by a box
# too small for it, or a box that scrolls sideways but that a keyboard user cannot scroll.
PROBLEMS = """() => {
  const problems = [];
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.');
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px wide)`);
  }
  for (const e of document.body.querySelectorAll('*')) {
    const overflowX = getComputedStyle(e).overflowX;
    const wider = e.scrollWidth > e.clientWidth + 1;
    if (wider && ['auto', 'scroll'].includes(overflowX)
        && !(e.tabIndex === 0 && e.getAttribute('role') === 'region' && e.getAttribute('aria-label'))) {
      problems.push(`${describe(e)} scrolls sideways but is not a focusable region with a name`);
    }
    if (wider && ['hidden', 'clip'].includes(overflowX) && e.clientWidth > 1) {  // 1px: visually hidden text
      problems.push(`${describe(e)} cuts off its content`);
    }
  }
  return problems;
}"""


def _visit(page, step):
    if not step.startswith("/"):
        step = page.get_by_role("link", name=re.compile(step)).first.get_attribute("href")
    page.goto(step)


@pytest.mark.parametrize("email", PAGES)
def test_pages_reflow_at_320_and_640_css_pixels(new_page, email):
    page = new_page(viewport={"width": WIDTHS[-1], "height": 800})
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    found = {}
    for number, step in enumerate(PAGES[email], start=1):
        _visit(page, step)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": width * 4 // 5})
            if problems := page.evaluate(PROBLEMS):
                found[f"{page.url} at {width}px"] = problems
            screenshot(page, f"reflow-{width}-{email.split('@')[0]}-{number:02d}")
    assert not found, found
