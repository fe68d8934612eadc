"""The meeting's case list (agenda): an overview of the cases in order with the running time, then
each case with the people in it."""

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from marac.services.pdf.layout import (
    HEAD_SHADE,
    SHADE,
    badge,
    duration,
    govuk_date,
    inline,
    markup,
    opening,
    para,
    render,
    table,
    text_flowables,
)
from marac.services.pdf.papers import CaseListItem, PaperHeader, PersonLine, Section
from marac.services.text import plural

PAPER = "MARAC case list"

CELL_CHUNK = 600

RISK_LABELS = {"high": "High", "medium": "Medium", "standard": "Standard"}


def risk_label(level: str | None) -> str:
    if level is None or not str(level).strip():
        return "Not recorded"
    return RISK_LABELS.get(str(level).strip().lower(), str(level).strip())


def _address(person: PersonLine):
    if person.address is None:
        return para("Address withheld", "cell_empty")
    if not person.address.strip():
        return para("Not known", "cell_empty")
    return text_flowables(person.address, "cell", limit=CELL_CHUNK)


def _person_row(role: str, person: PersonLine) -> list:
    return [
        para(role, "cell_bold"),
        para(person.name or "Name not recorded"),
        para(govuk_date(person.date_of_birth)),
        para(person.relationship or "–"),
        _address(person),
    ]


def _case_table(item: CaseListItem, running_total: int):
    repeat = f"&nbsp;&nbsp;&nbsp;{badge('REPEAT')}" if item.is_repeat else ""
    heading = markup(
        f"<font size='11'><b>{inline(item.position)}.&nbsp;&nbsp;{inline(item.case_reference)}</b></font>{repeat}"
        f"<br/>Risk: <b>{inline(risk_label(item.risk_level))}</b>"
        f"&nbsp;&nbsp;·&nbsp;&nbsp;Referred by {inline(item.referring_agency or 'agency not recorded')}"
        f"&nbsp;&nbsp;·&nbsp;&nbsp;{inline(duration(item.planned_minutes))}"
        f" (running total {inline(duration(running_total))})"
        + (f"<br/>Reasons: {inline(', '.join(item.reasons))}" if item.reasons else ""),
        "cell",
    )
    rows = [
        [heading, "", "", "", ""],
        [para(label, "cell_head") for label in ("Role", "Name", "Date of birth", "Relationship", "Address")],
        _person_row("Victim", item.victim),
    ]
    extra = [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 1), (-1, 1), SHADE)]
    for role, people in (("Perpetrator", item.perpetrators), ("Child", item.children)):
        if people:
            rows.extend(_person_row(role, person) for person in people)
        else:
            label = "Perpetrators" if role == "Perpetrator" else "Children"
            rows.append([para(label, "cell_bold"), para("None recorded", "cell_empty"), "", "", ""])
            extra.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))
    return table(rows, (25, 37, 25, 27, 60), header_rows=2, extra=extra)


def _overview(sections: Sequence[Section]):
    rows = [
        [
            para(label, "cell_head")
            for label in ("No.", "Case", "Section", "Repeat", "Risk", "Referred by", "Time", "Running total")
        ]
    ]
    total = 0
    for section in sections:
        for item in section.items:
            total += max(item.planned_minutes, 0)
            rows.append(
                [
                    para(item.position),
                    para(item.case_reference, "cell_bold"),
                    para(section.title),
                    para("Repeat" if item.is_repeat else ""),
                    para(risk_label(item.risk_level)),
                    para(item.referring_agency),
                    para(f"{max(item.planned_minutes, 0)} min"),
                    para(duration(total)),
                ]
            )
    return table(rows, (9, 19, 34, 15, 22, 30, 14, 31), extra=[("BACKGROUND", (0, 0), (-1, 0), HEAD_SHADE)])


def case_list_pdf(header: PaperHeader, sections: Sequence[Section]) -> bytes:
    """The case list as PDF bytes: sections in the order given, cases in the order given within each."""
    sections = list(sections)
    count = sum(len(section.items) for section in sections)
    total = sum(max(item.planned_minutes, 0) for section in sections for item in section.items)
    story = opening(header, "Case list")
    if not count:
        story.append(markup("There are no cases on this case list.", "lead"))
        for section in sections:
            story += [markup(inline(section.title), "h2"), markup("No cases in this section.", "empty")]
        return render(header, PAPER, story, running="Case list")

    story += [
        markup(f"{plural(count, 'case')}, {inline(duration(total))} planned in total.", "lead"),
        CondPageBreak(50 * mm),
        markup("Order of cases", "h2_free"),
        _overview(sections),
    ]
    running = 0
    for section in sections:
        minutes = sum(max(item.planned_minutes, 0) for item in section.items)
        heading = [
            markup(inline(section.title), "h2"),
            markup(f"{plural(len(section.items), 'case')}, {inline(duration(minutes))} planned", "meta"),
        ]
        if not section.items:
            story += [*heading, markup("No cases in this section.", "empty")]
        for number, item in enumerate(section.items):
            running += max(item.planned_minutes, 0)
            # A section's heading stays with its first case; each case stays on one page if it can.
            story += [KeepTogether([*(heading if number == 0 else []), _case_table(item, running)]), Spacer(1, 8)]
    story.append(Spacer(1, 6))
    story.append(markup(f"<b>Total planned time: {inline(duration(total))}</b> for {plural(count, 'case')}.", "body"))
    return render(header, PAPER, story, running="Case list")
