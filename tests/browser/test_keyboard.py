"""A police representative who uses only the keyboard signs in and completes the whole referral:
the details, who is already known, the DASH, check and send. Tab moves between controls, Space
chooses a radio or a box, the arrow keys move within a radio group, Enter follows links and presses
buttons. Every control reached shows where the focus is, and no control traps it."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, screenshot
from tests.factories import PASSWORD

MOST_TABS = 150  # more than any page here has controls: a control not reached by then is unreachable

# True when the focused element looks different from how it looks unfocused (GOV.UK's yellow
# focus), and is on screen. Radios and checkboxes show the focus on the box drawn by their label.
FOCUS_SHOWN = """e => {
  const drawn = ['radio', 'checkbox'].includes(e.type) ? [e.labels[0], '::before'] : [e, null];
  const look = () => {
    const s = getComputedStyle(...drawn);
    return [s.outlineStyle, s.outlineColor, s.outlineWidth, s.boxShadow, s.backgroundColor, s.color].join('|');
  };
  const focused = look();
  e.blur();
  const plain = look();
  e.focus({preventScroll: true});
  const box = (drawn[0]).getBoundingClientRect();
  const onScreen = box.bottom > 0 && box.top < window.innerHeight && box.right > 0 && box.left < window.innerWidth;
  return focused !== plain && onScreen && document.activeElement === e;
}"""


def tab_to(page, selector):
    """Press Tab until the focus is on an element matching `selector`, and check it shows."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            assert page.evaluate(f"({FOCUS_SHOWN})(document.activeElement)"), f"the focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key on {page.url}")


def type_into(page, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector):
    """Tab into the radio group, move to the option with the arrow keys and choose it with Space."""
    name = page.eval_on_selector(selector, "e => e.name")
    tab_to(page, f'input[name="{name}"]')
    for _ in range(10):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_be_checked()
    expect(page.locator(selector)).to_be_focused()


def tick(page, selector):
    tab_to(page, selector)
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_be_checked()


def press(page, selector):
    """Follow a link or press a button with Enter."""
    tab_to(page, selector)
    page.keyboard.press("Enter")


def type_date(page, prefix, day, month, year):
    for part, value in (("day", day), ("month", month), ("year", year)):
        type_into(page, f"#{prefix}-{part}", str(value))


def test_a_referral_made_with_the_keyboard_alone(page):
    page.goto("/auth/login")
    type_into(page, "#email", "police@example.org")
    type_into(page, "#password", PASSWORD)
    press(page, "#submit")
    expect(page.get_by_role("heading", name=re.compile("^Hello,"))).to_be_visible()
    press(page, 'header a[href="/referrals"]')
    expect(page.get_by_role("heading", name="Referrals", exact=True)).to_be_visible()

    # The skip link comes first and takes the focus past the navigation to the page's own links.
    press(page, "a.govuk-skip-link")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Refer a case to MARAC")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Referral details")).to_be_visible()

    # The area and the date of referral are filled in already (one area; today).
    type_into(page, "#victim-first_name", "Marigold")
    type_into(page, "#victim-last_name", "Fenwhistle")
    type_date(page, "victim-date_of_birth", 9, 3, 1989)
    choose(page, "#victim-gender")  # female
    choose(page, "#victim-is_safe_to_call-2")  # no: not safe to call
    type_into(page, "#perpetrator-first_name", "Lucan")
    type_into(page, "#perpetrator-last_name", "Brackenridge")
    type_date(page, "perpetrator-date_of_birth", 21, 11, 1985)
    choose(page, "#perpetrator-relationship_to_victim-2")  # ex-partner
    type_into(page, "#notes-victim_fears", "Lucan Brackenridge and his brother")
    tick(page, "#criteria")  # visible high risk
    choose(page, "#is_victim_aware")  # yes
    choose(page, "#has_consent")  # yes
    screenshot(page, "keyboard-1-details")
    press(page, "#submit")

    # No one on record to choose: the match step is not asked, and the DASH says so.
    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    expect(page.get_by_text("No one on record matches the victim or the perpetrator")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "keyboard-2-no-one-on-record")
    for number in range(1, 25):  # 15 Yes, then 9 No: visible high risk
        choose(page, f"#q{number}" if number <= 15 else f"#q{number}-2")
        if number == 3:
            type_into(page, "#fears_detail", "Being killed")
    screenshot(page, "keyboard-3-dash")
    press(page, "#complete")

    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    expect(page.get_by_text("DASH score 15 of 24")).to_be_visible()
    # A Change link takes the keyboard to its field, and the answer back to the check page.
    press(page, 'a[href$="/edit?return_to=check#victim-language"]')
    expect(page.locator("#victim-language")).to_be_in_viewport()
    type_into(page, "#victim-language", "Welsh")
    press(page, "#submit")
    expect(page.get_by_role("heading", name="Check and send the referral")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="Main language")).to_contain_text("Welsh")
    press(page, "#submit")

    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "keyboard-4-confirmation")
    press(page, 'main a[href^="/referrals/"]:not([href$="/sent"])')
    expect(page.get_by_role("heading", name=re.compile(r"^Referral R\d+$"))).to_be_visible()
    expect(page.get_by_text("Visible high risk").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "keyboard-4-sent")
    press(page, 'header a[href="/referrals"]')
    expect(page.get_by_role("row").filter(has_text="Marigold Fenwhistle")).to_have_count(1)
