"""The minutes read well: a section per case discussed whose heading never ends a page, the cases
listed but not discussed named together once, the attendance with the apologies, the victim's
voice and each case's actions; a 40-case meeting with few discussed is about a page per discussed
case, not a page per listed one."""

import io
import re
from dataclasses import replace

from pypdf import PdfReader

from marac.services.pdf import minutes_pdf
from marac.services.pdf.layout import MARGIN_BOTTOM, MARGIN_TOP, PAGE_HEIGHT
from marac.services.pdf.papers import AttendanceLine, ResearchLine, VoiceLine
from tests.unit.test_pdf import HEADER, action, flat, minutes_item, read

HEADING = re.compile(r"^\d+\.\s*C\d{6}:")
VOICE = VoiceLine(
    wants="To stay at home with the locks changed",
    fears="That he learns she spoke to the police",
    agrees_to_share="All of it but her new phone number",
    knows_of_referral="Yes",
)
AGENCIES = [f"Northmoor Agency {n}" for n in range(12)]


def body_lines(pdf):
    """Each page's lines inside the frame (no page furniture), top first."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        pieces = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and MARGIN_BOTTOM < y < PAGE_HEIGHT - MARGIN_TOP + 1:
                pieces.append((y, text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append([text for _y, text in sorted(pieces, key=lambda piece: -piece[0])])
    return pages


def discussed(position, words):
    research = tuple(
        ResearchLine(agency, "Submitted", "Contact with the household last month. " * (n % 3), "")
        if n % 2
        else ResearchLine(agency, "Nothing known", "", "")
        for n, agency in enumerate(AGENCIES)
    )
    return minutes_item(
        position,
        research=research,
        discussion=" ".join(["The chair summarised the agencies' concerns."] * words),
        voice=VOICE,
        actions=tuple(
            action(f"C{position:06d}", what=f"Action {n} for case {position}") for n in range(1 + position % 3)
        ),
    )


def test_no_page_ends_with_a_case_heading():
    # Sections of every length, so that headings fall at every height of a page.
    items = [discussed(n, words=(n * 7) % 40) for n in range(1, 31)]
    pages = body_lines(minutes_pdf(HEADER, [], items, approved=None))
    headings = 0
    for number, lines in enumerate(pages, start=1):
        marks = [index for index, line in enumerate(lines) if HEADING.match(line)]
        headings += len(marks)
        if marks:
            after = lines[marks[-1] + 1 :]
            assert "The victim's voice" in after, (number, lines[-4:])
            assert any(line.startswith("What they want") for line in after), (number, lines[-4:])
    assert headings == 30


def test_a_forty_case_meeting_with_five_discussed_is_about_a_page_per_discussed_case():
    items = [
        discussed(n, words=12) if n % 8 == 0 else replace(minutes_item(n), discussed=False, discussion="")
        for n in range(1, 41)
    ]
    attendance = [AttendanceLine(agency, f"Rep {n}", n % 4 != 0) for n, agency in enumerate(AGENCIES)]
    pdf = minutes_pdf(HEADER, attendance, items, approved=None)
    pages = read(pdf)
    # Each discussed case (twelve agencies' research, notes, actions) a page or so; the attendance
    # and the 35 others named once besides: nowhere near a page per listed case.
    assert len(pages) <= 2 * 5, len(pages)
    text = flat(" ".join(pages))
    assert text.count("The victim's voice") == 5
    listed = text[text.index("Listed but not discussed") :]
    assert "35 cases were on the list and not discussed." in listed
    for n in range(1, 41):
        reference = f"C{n:06d}"
        if n % 8:
            assert listed.count(reference) == 1 and text.count(f"{reference}: Victim Number{n}") == 0
        else:
            assert f"{reference}: Victim Number{n}" in text[: text.index("Listed but not discussed")]
    assert "Apologies or not present: Northmoor Agency 0, Northmoor Agency 4, Northmoor Agency 8." in text


def test_each_discussed_case_carries_the_victims_voice_its_discussion_and_its_actions():
    with_voice, without = discussed(1, words=3), replace(discussed(2, words=3), voice=None)
    text = flat(" ".join(read(minutes_pdf(HEADER, [], [with_voice, without], approved=None))))
    first, second = text.index("C000001: Victim Number1"), text.index("C000002: Victim Number2")
    case_one = text[first:second]
    for expected in (
        VOICE.wants,
        VOICE.fears,
        VOICE.agrees_to_share,
        "Know of the referral Yes",
        "Action 1 for case 1",
    ):
        assert expected in case_one, expected
    assert case_one.index("The victim's voice") < case_one.index("Research by agency") < case_one.index("Discussion")
    assert "Not recorded: the victim's views were not represented." in text[second:]
    assert "Every agency invited was present" not in text and "Listed but not discussed" not in text
