"""The actions paper for one agency, and the actions table the minutes share."""

from collections.abc import Sequence

from marac.services.pdf.layout import govuk_date, inline, markup, opening, para, render, table, text_flowables
from marac.services.pdf.papers import ActionLine, PaperHeader
from marac.services.text import plural

PAPER = "MARAC actions for an agency"

# Long "what" and "how known" text stays in one cell; the table lets a row split across pages.
CELL_CHUNK = 600


def _owner(action: ActionLine, agency: str | None):
    """The owning agency and person; the agency is left out on a paper for that agency."""
    parts = []
    if agency is None or " ".join(action.owner_agency.split()).casefold() != agency.casefold():
        parts.append(inline(action.owner_agency or "Agency not recorded"))
    if action.owner_person.strip():
        parts.append(inline(action.owner_person))
    if not parts:
        return para("Not named", "cell_empty")
    return markup("<br/>".join(parts), "cell")


def actions_table(actions: Sequence[ActionLine], *, agency: str | None = None):
    """Actions as a table: who, protecting whom, what, how completion is known, when, status. On one
    agency's paper (`agency` given) each row also names its case and the due date comes first."""
    labels = ["Protects", "Owner", "What will be done", "How completion will be known", "Due", "Status"]
    widths = [19, 27, 46, 38, 26, 18]
    if agency is not None:
        labels = ["Due", "Case", *labels[:4], "Status"]
        widths = [26, 17, 18, 25, 40, 30, 18]
    rows = [[para(label, "cell_head") for label in labels]]
    for action in actions:
        cells = [
            para(action.protects),
            _owner(action, agency),
            text_flowables(action.what, "cell", empty="Not recorded", limit=CELL_CHUNK),
            text_flowables(action.how_known, "cell", empty="Not recorded", limit=CELL_CHUNK),
        ]
        if agency is not None:
            due = para(govuk_date(action.due), "cell_bold")
            rows.append([due, para(action.case_reference, "cell_bold"), *cells, para(action.status)])
        else:
            rows.append([*cells, para(govuk_date(action.due)), para(action.status)])
    return table(rows, widths)


def agency_actions_pdf(header: PaperHeader, agency_name: str, actions: Sequence[ActionLine]) -> bytes:
    """One agency's actions (the caller passes only that agency's), soonest due first."""
    actions = sorted(actions, key=lambda action: (action.due, action.case_reference))
    agency = clean_name(agency_name)
    heading = f"Actions for {agency}"
    story = opening(header, heading)
    if not actions:
        story.append(markup(f"There are no actions for {inline(agency)}.", "lead"))
        return render(header, PAPER, story, running=heading)
    first, last = actions[0].due, actions[-1].due
    span = govuk_date(first) if first == last else f"{govuk_date(first)} to {govuk_date(last)}"
    story += [
        markup(f"{plural(len(actions), 'action')}, due {inline(span)}, soonest first.", "lead"),
        markup(
            "Report the status of each action to the MARAC coordinator before the next meeting. "
            "If an action cannot be done because circumstances have changed, say so.",
            "body",
        ),
        actions_table(actions, agency=agency),
    ]
    return render(header, PAPER, story, running=heading)


def clean_name(name: str) -> str:
    return " ".join(str(name or "").split()) or "this agency"
