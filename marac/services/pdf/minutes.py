"""The minutes of a meeting: attendance and apologies, then a section for each case discussed (the
victim's voice, research by agency with facts kept apart from opinion, discussion, risk after
discussion and actions), then the cases listed but not discussed, named together once. A case's
heading is kept on the page with the start of its section: no page ends with a case heading."""

from collections.abc import Sequence

from reportlab.platypus import KeepTogether, Spacer

from marac.services.pdf.actions import actions_table
from marac.services.pdf.case_list import risk_label
from marac.services.pdf.layout import (
    RED,
    SHADE,
    badge,
    boxed,
    inline,
    markup,
    opening,
    para,
    render,
    table,
    text_flowables,
)
from marac.services.pdf.papers import AttendanceLine, MinutesItem, PaperHeader, ResearchLine, VoiceLine
from marac.services.text import plural

PAPER = "MARAC minutes"

CELL_CHUNK = 1000


def _attendance(attendance: Sequence[AttendanceLine]):
    if not attendance:
        return [markup("No attendance was recorded.", "empty")]
    present = sum(1 for line in attendance if line.present)
    agencies = {line.agency for line in attendance if line.present}
    rows = [[para(label, "cell_head") for label in ("Agency", "Name", "Attendance")]]
    rows += [
        [
            para(line.agency, "cell_bold"),
            para(line.person, "cell") if line.person.strip() else para("Name not recorded", "cell_empty"),
            para("Present" if line.present else "Not present", "cell" if line.present else "cell_empty"),
        ]
        for line in attendance
    ]
    absent = [line.agency for line in attendance if not line.present]
    return [
        markup(
            f"{plural(present, 'person', 'people')} present from {plural(len(agencies), 'agency', 'agencies')}.",
            "body",
        ),
        table(rows, (70, 70, 34)),
        Spacer(1, 4),
        markup(
            f"<b>Apologies or not present:</b> {inline(', '.join(absent))}."
            if absent
            else "Every agency invited was present.",
            "body",
        ),
    ]


def _research(research: Sequence[ResearchLine]):
    if not research:
        return [markup("No research was recorded for this case.", "empty")]
    rows, extra = [], []
    for line in research:
        rows.append([markup(f"<b>{inline(line.agency)}</b>&nbsp;&nbsp;–&nbsp;&nbsp;{inline(line.status)}", "cell"), ""])
        extra += [
            ("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)),
            ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE),
        ]
        if not line.facts.strip() and not line.opinion.strip():
            continue
        rows.append([para("Facts", "cell_bold"), text_flowables(line.facts, "cell", "None given.", CELL_CHUNK)])
        rows.append(
            [para("Opinion", "cell_bold"), text_flowables(line.opinion, "cell_opinion", "None given.", CELL_CHUNK)]
        )
    return [table(rows, (22, 152), header_rows=0, extra=extra)]


def _voice(voice: VoiceLine | None):
    if voice is None:
        return [markup("Not recorded: the victim's views were not represented.", "empty")]
    rows = [
        [para(label, "cell_bold"), text_flowables(value, "cell", "Not recorded.", CELL_CHUNK)]
        for label, value in (
            ("What they want", voice.wants),
            ("What they fear", voice.fears),
            ("What they agree may be shared", voice.agrees_to_share),
            ("Know of the referral", voice.knows_of_referral),
        )
    ]
    return [table(rows, (40, 134), header_rows=0)]


def _item(item: MinutesItem):
    repeat = f"&nbsp;&nbsp;&nbsp;{badge('REPEAT')}" if item.is_repeat else ""
    heading = [
        markup(f"{inline(item.position)}.&nbsp;&nbsp;{inline(item.case_reference)}: {inline(item.victim_name)}", "h3"),
        markup(f"{inline(item.section)}{repeat}", "meta"),
        markup("The victim's voice", "h4"),
        *_voice(item.voice),
    ]
    return [
        KeepTogether(heading),  # the heading never ends a page: it goes on with its first block
        markup("Research by agency", "h4"),
        *_research(item.research),
        markup("Discussion", "h4"),
        *text_flowables(item.discussion, "body", "No discussion was recorded."),
        markup(f"Risk after discussion: <b>{inline(risk_label(item.risk_after))}</b>", "h4"),
        markup("Actions", "h4"),
        actions_table(item.actions) if item.actions else markup("No actions were agreed for this case.", "empty"),
        Spacer(1, 10),
    ]


def _not_discussed(items: Sequence[MinutesItem]):
    if not items:
        return []
    rows = [[para(label, "cell_head") for label in ("No.", "Case", "Section")]]
    rows += [
        [para(item.position, "cell"), para(item.case_reference, "cell_bold"), para(item.section, "cell")]
        for item in items
    ]
    return [
        markup("Listed but not discussed", "h2"),
        markup(f"{plural(len(items), 'case was', 'cases were')} on the list and not discussed.", "body"),
        table(rows, (12, 30, 132)),
    ]


def minutes_pdf(
    header: PaperHeader,
    attendance: Sequence[AttendanceLine],
    items: Sequence[MinutesItem],
    approved: str | None,
) -> bytes:
    """The minutes as PDF bytes. `approved` ("Approved by … on …") or None for a draft."""
    draft = approved is None or not approved.strip()
    if draft:
        notice = boxed([markup("DRAFT – not yet approved", "draft")], background=None, border=RED, width=2)
    else:
        notice = markup(inline(approved), "approved")
    story = opening(header, "Minutes", notices=[notice, Spacer(1, 6)])
    story += [markup("Attendance", "h2"), *_attendance(attendance), markup("Cases discussed", "h2")]
    discussed = [item for item in items if item.discussed]
    if not discussed:
        story.append(markup("No cases were discussed.", "empty"))
    for item in discussed:
        story += _item(item)
    story += _not_discussed([item for item in items if not item.discussed])
    return render(header, PAPER, story, running="Minutes", draft=draft)
