"""The meeting papers as PDFs (ReportLab), read back with pypdf: marking top and bottom of every page,
page numbers, the confidentiality statement, order, escaping, withheld addresses, drafts, empty and
huge inputs."""

import io
import re
import unicodedata
import urllib.request
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from marac.services.pdf import agency_actions_pdf, case_list_pdf, minutes_pdf
from marac.services.pdf.layout import (
    CONFIDENTIALITY_STATEMENT,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    PAGE_HEIGHT,
    fonts,
    para,
    text_flowables,
)
from marac.services.pdf.papers import (
    ActionLine,
    AttendanceLine,
    CaseListItem,
    MinutesItem,
    PaperHeader,
    PersonLine,
    ResearchLine,
    Section,
)

HEADER = PaperHeader(
    area_name="Northmoor MARAC",
    meeting_title="MARAC meeting, Thursday 3 December 2026 at 10:00am",
    generated_for="Casey Coordinator, Northmoor Community Safety Partnership",
    generated_at=datetime(2026, 11, 22, 19, 40, tzinfo=UTC),
)
NASTY_NAME = "<b>O'Brien & Sons</b>"
IMG = '<img src="http://127.0.0.1:9/x.png" width="400" height="400"/>'
SECRET_ADDRESS = "14 Hidden Lane, Refuge Town RT1 2AB"


def person(name, born=date(1990, 3, 4), address="1 High Street, Northmoor NM1 1AA", relationship=""):
    return PersonLine(name=name, date_of_birth=born, address=address, relationship=relationship)


def case(position, reference=None, **changes):
    item = CaseListItem(
        position=position,
        case_reference=reference or f"C{position:06d}",
        is_repeat=position % 3 == 0,
        risk_level=("high", "medium", "standard", None)[position % 4],
        referring_agency="Northmoor Police",
        planned_minutes=10,
        victim=person(f"Victim Number{position}"),
        perpetrators=(person(f"Perpetrator Number{position}", relationship="Ex-partner"),),
        children=(person(f"Child Number{position}", born=date(2018, 6, 1), relationship="Their child"),),
    )
    return replace(item, **changes)


def action(reference="C000001", due=date(2026, 12, 10), **changes):
    line = ActionLine(
        case_reference=reference,
        owner_agency="Northmoor Housing",
        owner_person="Harriet Housing",
        protects="Victim",
        what="Fit a lock on the back door and a door viewer.",
        how_known="Housing confirms the work is done to the coordinator.",
        due=due,
        status="Not started",
    )
    return replace(line, **changes)


def minutes_item(position=1, **changes):
    item = MinutesItem(
        position=position,
        case_reference=f"C{position:06d}",
        victim_name=f"Victim Number{position}",
        section="New cases with children",
        is_repeat=False,
        research=(
            ResearchLine("Northmoor Police", "Submitted", "Two call-outs in October.", "Escalating control."),
            ResearchLine("Northmoor Health", "Nothing known", "", ""),
        ),
        discussion="IDVA reports the victim is frightened.\nThe perpetrator has a new address.",
        risk_after="high",
        actions=(action(f"C{position:06d}"),),
    )
    return replace(item, **changes)


def sample_sections(count=20):
    items = [case(n) for n in range(1, count + 1)]
    half = count // 2
    return [
        Section("New cases with children", tuple(items[:half])),
        Section("Adult-only cases", tuple(items[half:])),
    ]


def read(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def lines_top_to_bottom(pdf: bytes) -> list[list[str]]:
    """Each page's pieces of text ordered by their height on the page, top first."""
    result = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        pieces = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():
                pieces.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        result.append([text for _, text in sorted(pieces, key=lambda piece: -piece[0])])
    return result


def body_text(pdf: bytes) -> str:
    """The text inside the page frames only (no page furniture), all pages joined."""
    pieces = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text, cm, tm, font, size):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if MARGIN_BOTTOM < y < PAGE_HEIGHT - MARGIN_TOP + 1:
                pieces.append(text)

        page.extract_text(visitor_text=visit)
    return flat(" ".join(pieces))


def assert_furniture(pdf: bytes, marking="OFFICIAL-SENSITIVE") -> list[str]:
    """The marking topmost and bottommost on every page, "Page X of N" and who it was generated for
    on each, and the confidentiality statement on the first."""
    pages = read(pdf)
    positioned = lines_top_to_bottom(pdf)
    total = len(pages)
    for number, (text, lines) in enumerate(zip(pages, positioned, strict=True), start=1):
        assert lines[0] == marking, (number, lines[:3])
        assert lines[-1] == marking, (number, lines[-3:])
        assert f"Page {number} of {total}" in text
        assert "Generated on 22 November 2026 at 7:40pm for Casey Coordinator" in text
    assert "Confidential" in pages[0]
    assert flat(CONFIDENTIALITY_STATEMENT) in flat(pages[0])
    return pages


def test_case_list_has_marking_page_numbers_and_confidentiality():
    pdf = case_list_pdf(HEADER, sample_sections())
    pages = assert_furniture(pdf)
    assert len(pages) >= 2
    first = flat(pages[0])
    assert "Northmoor MARAC" in first
    assert "MARAC meeting, Thursday 3 December 2026 at 10:00am" in first


def test_case_list_keeps_the_order_of_sections_and_cases():
    sections = [
        Section("New cases with children", (case(1, "C000900"), case(2, "C000100"))),
        Section("Adult-only cases", (case(3, "C000500"),)),
        Section("Cases where 12 months have passed", (case(4, "C000050"),)),
    ]
    text = flat(" ".join(read(case_list_pdf(HEADER, sections))))
    titles = ("New cases with children", "Adult-only cases", "12 months have passed")
    references = ("C000900", "C000100", "C000500", "C000050")
    # The overview table first (each case's first appearance), in the order given...
    overview = [text.index(reference) for reference in references]
    assert overview == sorted(overview)
    # ...then the sections and their cases in full (each one's last appearance), in the order given.
    sections_at = [text.rindex(title) for title in titles]
    cases_at = [text.rindex(reference) for reference in references]
    assert overview[-1] < sections_at[0] < cases_at[0] < cases_at[1] < sections_at[1] < cases_at[2]
    assert cases_at[2] < sections_at[2] < cases_at[3]


def test_case_list_shows_each_case_in_full_with_a_running_total():
    sections = [Section("New cases with children", (case(1, planned_minutes=15), case(2, planned_minutes=50)))]
    text = flat(" ".join(read(case_list_pdf(HEADER, sections))))
    for expected in (
        "Victim Number1",
        "Perpetrator Number1",
        "Child Number2",
        "4 March 1990",
        "1 June 2018",
        "Ex-partner",
        "1 High Street, Northmoor NM1 1AA",
        "Northmoor Police",
        "Risk: Medium",
        "running total 15 minutes",
        "running total 1 hour 5 minutes",
        "Total planned time: 1 hour 5 minutes",
    ):
        assert expected in text, expected
    assert "REPEAT" not in text
    repeat = flat(" ".join(read(case_list_pdf(HEADER, [Section("Cases", (case(3),))]))))
    assert "REPEAT" in repeat


def test_values_are_escaped_and_print_exactly_as_typed(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the PDF tried to fetch something")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    header = replace(HEADER, area_name=NASTY_NAME, generated_for=IMG)
    item = case(
        1,
        victim=person(NASTY_NAME, address=IMG),
        perpetrators=(person("Tom <i>&amp; Jerry", relationship="<br/>Partner"),),
        referring_agency="Police & <u>Crime</u>",
    )
    pdf = case_list_pdf(header, [Section("<font size='40'>Big</font>", (item,))])
    text = flat(" ".join(read(pdf)))
    assert NASTY_NAME in text
    assert "Tom <i>&amp; Jerry" in text
    assert "<br/>Partner" in text
    assert "Police & <u>Crime</u>" in text
    assert "<font size='40'>Big</font>" in text
    assert "<img src=" in text
    assert b"/Subtype /Image" not in pdf

    minutes = minutes_pdf(
        HEADER,
        [AttendanceLine(NASTY_NAME, IMG, True)],
        [minutes_item(victim_name=NASTY_NAME, discussion=f"{IMG}\n{NASTY_NAME}", actions=(action(what=IMG),))],
        approved=None,
    )
    assert flat(" ".join(read(minutes))).count(NASTY_NAME) == 3
    actions = agency_actions_pdf(HEADER, NASTY_NAME, [action(owner_person=NASTY_NAME, how_known=IMG)])
    assert flat(" ".join(read(actions))).count(NASTY_NAME) >= 2


def test_control_characters_and_accented_names_do_not_break_the_paper():
    name = "Łukasz Wiśniewski\x00\x07 Zoë"
    text = flat(" ".join(read(case_list_pdf(HEADER, [Section("Cases", (case(1, victim=person(name)),))]))))
    assert "Łukasz Wiśniewski Zoë" in text


# Names as people spell them; "José" typed with a combining accent (NFD), as some keyboards and
# systems send it.
NAMES = (
    unicodedata.normalize("NFD", "José Álvarez"),
    "Nguyễn Thị Minh Khai",
    "Siobhán Ó Súilleabháin",
    "Łukasz Wiśniewski",
    "Zoë Ağaoğlu",
    "Dmitri Ивanов",
)


def test_every_name_prints_exactly_as_spelt_in_the_case_list_and_the_minutes():
    """The papers' own font (DejaVu Sans, shipped with the app) has every letter; text is
    composed (NFC) before it is drawn, so a decomposed "José" prints as "José", not "Jose□"."""
    assert fonts() == ("PaperSans", "PaperSans-Bold", "PaperSans-Italic", "PaperSans-BoldItalic")
    items = tuple(
        case(
            number,
            victim=person(name),
            perpetrators=(person(f"{name} Senior", relationship="Ex-partner"),),
            children=(person(f"{name} Junior", born=date(2018, 6, 1), relationship="Their child"),),
        )
        for number, name in enumerate(NAMES, start=1)
    )
    case_list = flat(" ".join(read(case_list_pdf(HEADER, [Section("Cases", items)]))))
    minutes = flat(
        " ".join(
            read(
                minutes_pdf(
                    HEADER,
                    [AttendanceLine("Northmoor Police", name, True) for name in NAMES],
                    [minutes_item(number, victim_name=name) for number, name in enumerate(NAMES, start=1)],
                    approved=None,
                )
            )
        )
    )
    for name in NAMES:
        composed = unicodedata.normalize("NFC", name)
        for suffix in ("", " Senior", " Junior"):
            assert composed + suffix in case_list, (composed + suffix, "case list")
        assert minutes.count(composed) >= 2, (composed, "minutes")
    assert "\x00" not in case_list + minutes and "\ufffd" not in case_list + minutes


def test_a_character_the_font_cannot_draw_prints_as_a_question_mark():
    """Not a blank box (.notdef) that reads as nothing: a reader sees something is missing."""
    text = flat(" ".join(read(case_list_pdf(HEADER, [Section("Cases", (case(1, victim=person("Li 李 Wei")),))]))))
    assert "Li ? Wei" in text


def test_a_withheld_address_is_not_printed():
    item = case(
        1,
        victim=person("Vera Victim", address=None),
        perpetrators=(person("Percy Perpetrator", address=SECRET_ADDRESS.replace("Hidden", "Known")),),
        children=(person("Kit Child", address=None),),
    )
    text = flat(" ".join(read(case_list_pdf(HEADER, [Section("New cases", (item,))]))))
    assert text.count("Address withheld") == 2
    victim_row = text[text.index("Vera Victim") : text.index("Percy Perpetrator")]
    assert "Address withheld" in victim_row
    assert "14 Known Lane, Refuge Town RT1 2AB" in text  # the perpetrator's, not withheld
    assert "1 High Street" not in text
    assert SECRET_ADDRESS not in text


def test_unapproved_minutes_are_marked_draft_on_every_page():
    items = [minutes_item(n) for n in range(1, 13)]
    attendance = [AttendanceLine("Northmoor Police", "Pat Police", True), AttendanceLine("Health", "", False)]
    pdf = minutes_pdf(HEADER, attendance, items, approved=None)
    pages = assert_furniture(pdf)
    assert len(pages) > 1
    assert all("DRAFT – not yet approved" in page for page in pages)
    text = flat(" ".join(pages))
    for expected in ("Attendance", "Pat Police", "Not present", "Research by agency", "Two call-outs in October."):
        assert expected in text
    assert text.index("Facts") < text.index("Two call-outs") < text.index("Opinion") < text.index("Escalating control")
    assert "Risk after discussion: High" in text
    assert "Fit a lock on the back door" in text
    order = [text.index(f"C{n:06d}: Victim Number{n}") for n in range(1, 13)]
    assert order == sorted(order)


def test_approved_minutes_say_who_approved_them_and_are_not_draft():
    pdf = minutes_pdf(HEADER, [], [minutes_item()], approved="Approved by Charlie Chair on 4 December 2026")
    pages = read(pdf)
    text = flat(" ".join(pages))
    assert "Approved by Charlie Chair on 4 December 2026" in text
    assert "DRAFT" not in text
    assert_furniture(pdf)


def test_agency_actions_are_sorted_by_due_date():
    actions = [
        action("C000003", date(2027, 1, 5), what="Third"),
        action("C000001", date(2026, 12, 1), what="First"),
        action("C000002", date(2026, 12, 9), what="Second", owner_person=""),
    ]
    pdf = agency_actions_pdf(HEADER, "Northmoor Housing", actions)
    pages = assert_furniture(pdf)
    text = flat(" ".join(pages))
    assert "Actions for Northmoor Housing" in text
    assert text.index("First") < text.index("Second") < text.index("Third")
    assert "1 December 2026" in text
    assert "3 actions, due 1 December 2026 to 5 January 2027" in text


@pytest.mark.parametrize(
    ("render", "message"),
    [
        (lambda: case_list_pdf(HEADER, []), "There are no cases on this case list."),
        (lambda: case_list_pdf(HEADER, [Section("Adult-only cases", ())]), "No cases in this section."),
        (lambda: minutes_pdf(HEADER, [], [], None), "No cases were discussed."),
        (lambda: minutes_pdf(HEADER, [], [], None), "No attendance was recorded."),
        (lambda: minutes_pdf(HEADER, [], [minutes_item(actions=(), research=())], None), "No actions were agreed"),
        (lambda: agency_actions_pdf(HEADER, "Northmoor Housing", []), "There are no actions for Northmoor Housing."),
    ],
)
def test_empty_inputs_give_a_valid_paper_that_says_so(render, message):
    pdf = render()
    pages = assert_furniture(pdf)
    assert len(pages) == 1
    assert message in flat(pages[0])


def test_200_cases_run_to_many_pages_each_marked():
    pdf = case_list_pdf(HEADER, sample_sections(200))
    pages = assert_furniture(pdf)
    assert len(pages) > 20
    text = flat(" ".join(pages))
    assert "C000200" in text
    assert "200 cases, 33 hours 20 minutes planned in total." in text


def long_text(tag: str, length: int = 20_000) -> str:
    """Numbered sentences (D0001, D0002, …) up to `length` characters, so a lost line shows."""
    text, number = "", 0
    while len(text) < length:
        number += 1
        text += f"Point {tag}{number:04d}: the IDVA described the latest incident and the victim's fears. "
    return text[:length]


def test_a_20000_character_discussion_splits_across_pages():
    discussion, facts, what = long_text("D"), long_text("F", 12_000), long_text("A", 8_000)
    one_word = "x" * 20_000
    item = minutes_item(
        discussion=discussion,
        research=(ResearchLine("Northmoor Police", "Submitted", facts, one_word),),
        actions=(action(what=what),),
    )
    pdf = minutes_pdf(HEADER, [], [item], None)
    pages = assert_furniture(pdf)
    assert len(pages) > 5
    body = body_text(pdf)
    # Nothing lost: every numbered sentence of the discussion, the facts and the action, every "x".
    for text in (discussion, facts, what):
        points = re.findall(r"[DFA]\d{4}", text[:-90])
        assert len(points) > 80
        for point in points:
            assert f"{point}:" in body, point
    assert body.count("x") >= 20_000


def test_long_text_is_cut_into_paragraphs_at_sentence_ends():
    text = ("One sentence here. " * 400).strip() + "\n\nA second block.\nWith a line break & <more>."
    flowables = text_flowables(text, limit=1000)
    assert len(flowables) == 9  # 7,599 characters in pieces of at most 1,000, then the second block
    for piece in flowables[:-1]:
        assert len(piece.text) <= 1000
        assert piece.text.endswith("here.")
    assert flowables[-1].text == "A second block.<br/>With a line break &amp; &lt;more&gt;."
    assert flowables[0].style.spaceAfter == 0  # pieces of one block sit together
    assert flowables[-2].style.spaceAfter > 0
    assert [p.text for p in text_flowables("  \n ", empty="No discussion.")] == ["No discussion."]


def test_metadata_names_the_paper_and_no_one():
    for pdf, title in (
        (case_list_pdf(HEADER, sample_sections(2)), "MARAC case list"),
        (minutes_pdf(HEADER, [], [minutes_item()], None), "MARAC minutes"),
        (agency_actions_pdf(HEADER, "Northmoor Housing", [action()]), "MARAC actions for an agency"),
    ):
        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == title
        assert meta.author == "MARAC"
        assert not re.search(r"Victim|Casey|Northmoor", " ".join(str(value) for value in meta.values()))


def test_generated_time_is_printed_in_uk_time():
    summer = replace(HEADER, generated_at=datetime(2026, 7, 1, 23, 5, tzinfo=UTC))
    text = read(case_list_pdf(summer, []))[0]
    assert "Generated on 2 July 2026 at 12:05am" in text


def test_absurdly_long_values_do_not_crash_any_paper():
    """Names, agencies and titles far longer than any form allows are cut short; free text is kept."""
    words, run = "Word " * 2000, "y" * 20_000
    header = replace(HEADER, area_name=words, meeting_title=run, generated_for=words, marking=words)
    victim = person(run, address=words, relationship=words)
    item = case(1, case_reference=words, referring_agency=words, victim=victim, perpetrators=(person(words),))
    papers = [
        case_list_pdf(header, [Section(words, (item,))]),
        minutes_pdf(
            header,
            [AttendanceLine(words, run, True)],
            [
                minutes_item(
                    victim_name=words,
                    section=words,
                    risk_after=words,
                    research=(ResearchLine(words, words, words, words),),
                    actions=(action(owner_agency=words, owner_person=words, protects=words, how_known=run),),
                )
            ],
            words,
        ),
        agency_actions_pdf(header, words, [action(case_reference=words, what=run, status=words)]),
    ]
    for pdf in papers:
        assert len(read(pdf)) > 1


def test_a_paragraph_keeps_its_lines_for_one_width_and_breaks_them_again_for_another():
    paragraph = para("Fit new locks at the home and check the door camera works " * 6)
    wide = paragraph.wrap(400, 1000)
    narrow = paragraph.wrap(100, 1000)
    lines = paragraph.blPara
    assert narrow[1] > wide[1]  # more lines when narrower
    assert paragraph.wrap(100, 1000) == narrow and paragraph.blPara is lines  # kept, not broken again
    assert paragraph.wrap(400, 1000) == wide and paragraph.blPara is not lines
    assert paragraph.wrap(100, 1000) == narrow
    for _ in range(2):  # nothing fits no width, asked twice: never the lines kept for 100
        assert paragraph.wrap(0, 1000)[1] > 10**6
    assert paragraph.wrap(100, 1000) == narrow
