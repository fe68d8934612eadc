"""The minutes of a meeting: attendance, then each case's research by agency (facts kept apart from
opinion), discussion, risk after discussion and actions."""

from collections.abc import Sequence

from reportlab.platypus import Spacer

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
from marac.services.pdf.papers import AttendanceLine, MinutesItem, PaperHeader, ResearchLine
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
    return [
        markup(
            f"{plural(present, 'person', 'people')} present from {plural(len(agencies), 'agency', 'agencies')}.",
            "body",
        ),
        table(rows, (70, 70, 34)),
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


def _item(item: MinutesItem):
    repeat = f"&nbsp;&nbsp;&nbsp;{badge('REPEAT')}" if item.is_repeat else ""
    return [
        markup(f"{inline(item.position)}.&nbsp;&nbsp;{inline(item.case_reference)}: {inline(item.victim_name)}", "h3"),
        markup(f"{inline(item.section)}{repeat}", "meta"),
        markup("Research by agency", "h4"),
        *_research(item.research),
        markup("Discussion", "h4"),
        *text_flowables(item.discussion, "body", "No discussion was recorded."),
        markup(f"Risk after discussion: <b>{inline(risk_label(item.risk_after))}</b>", "h4"),
        markup("Actions", "h4"),
        actions_table(item.actions) if item.actions else markup("No actions were agreed for this case.", "empty"),
        Spacer(1, 10),
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
    story += [markup("Attendance", "h2"), *_attendance(attendance), markup("Cases", "h2")]
    if not items:
        story.append(markup("No cases were discussed.", "empty"))
    for item in items:
        story += _item(item)
    return render(header, PAPER, story, running="Minutes", draft=draft)
