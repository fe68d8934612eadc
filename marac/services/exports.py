"""Lists as CSV for a spreadsheet: the action list (as filtered), the referrals and the IDVA
caseload. The rows are those the page shows (the same scope and filters, every page of them); the
views audit each export. Every cell goes through `cell`: text a spreadsheet would run as a
formula is written as text, whoever typed it."""

import csv
import io
from datetime import datetime

from models.clock import uk_date
from models.risk import RiskLevel

# A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value as a CSV cell: dates as 2026-12-06 (UK dates of timestamps), None as empty, and
    a leading quote before text a spreadsheet would take for a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = uk_date(value)
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def actions_csv(actions, is_overdue, today):
    return to_csv(
        ["Reference", "Case", "Action", "Owner", "Due", "Status", "Overdue"],
        (
            [
                action.reference,
                action.case_reference,
                action.what,
                action.owner_agency.name,
                action.due_on,
                action.status_label,
                is_overdue(action, today),
            ]
            for action in actions
        ),
    )


def referrals_csv(referrals, seen_cases):
    """The victim is named as on the list: by the case if the user may see it, else by a draft."""

    def victim(referral):
        if referral.case_id in seen_cases:
            return referral.case.victim.full_name
        named = referral.draft.get("victim") if not referral.case_id else None
        return f"{named.get('first_name', '')} {named.get('last_name', '')}".strip() if named else ""

    return to_csv(
        ["Reference", "Victim", "Referred on", "From", "Area", "Status", "Repeat"],
        (
            [
                referral.reference,
                victim(referral),
                referral.referred_on,
                referral.referring_agency.name,
                referral.area.name,
                referral.status_label,
                referral.is_repeat,
            ]
            for referral in referrals
        ),
    )


def caseload_csv(rows):
    return to_csv(
        [
            "Case",
            "Victim",
            "Risk",
            "Last contact",
            "Next contact due",
            "Contact overdue",
            "Next MARAC",
            "Open tasks",
            "Overdue tasks",
            "Risk review due",
        ],
        (
            [
                row.reference,
                row.victim_name,
                RiskLevel(row.level).label if row.level else "No assessment",
                row.last_contact_at,
                row.next_contact_on,
                row.is_contact_overdue,
                row.next_marac_at,
                row.open_tasks,
                row.overdue_tasks,
                row.review_on,
            ]
            for row in rows
        ),
    )
