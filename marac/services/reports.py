"""The reports' tables: the quarterly return laid out for the page, the CSV and the PDF, with
small numbers suppressed for readers outside the coordinator role."""

import csv
import io

from marac.services import access, stats
from marac.services.pdf.data_return import data_return_pdf
from marac.services.pdf.papers import PaperHeader
from models import Role
from models.clock import uk_date, utcnow

FIGURES = list(stats.FIGURE_LABELS)
# A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sees_exact_figures(user):
    """Coordinators see their areas' figures as they are; everyone else (the steering group, IDVA
    managers) with counts from 1 to 4 suppressed."""
    return user.has_role(Role.COORDINATOR)


def sees_idva_names(user):
    """The caseload per IDVA names them for coordinators and IDVA managers, not the steering group."""
    return user.has_role(Role.COORDINATOR, Role.IDVA_MANAGER)


def completion_actions(user, area_ids):
    """A WHERE clause on Action: the actions whose completion the dashboard shows. Exact figures
    come from the actions the user sees; suppressed ones from all the areas' actions."""
    return access.visible_actions(user) if sees_exact_figures(user) else access.actions_in_areas(area_ids)


def _shown(value, suppressed):
    return stats.suppress(value) if suppressed else value


def return_table(report, *, suppressed):
    """(columns, rows): a column per meeting and one for the quarter; a row per figure."""
    columns = [f"{uk_date(meeting.starts_at):%d %b %Y}" for meeting, _figures in report.meetings]
    columns.append(f"{report.year} Q{report.quarter}")
    rows = []
    for name in FIGURES:
        values = [getattr(figures, name) for _meeting, figures in report.meetings] + [getattr(report.total, name)]
        rows.append([stats.FIGURE_LABELS[name], *(_shown(value, suppressed) for value in values)])
    return columns, rows


def benchmarks(report):
    def percent(value):
        return "Not known" if value is None else f"{value}%"

    per_10k = report.cases_per_10k_women_a_year
    return [
        [
            "Cases per 10,000 adult women a year",
            "Not known" if per_10k is None else str(per_10k),
            str(stats.RECOMMENDED_CASES_PER_10K) + " (recommended)",
        ],
        ["Repeat cases", percent(report.repeat_rate), f"{stats.NATIONAL_REPEAT_RATE}% (national)"],
        ["Referrals from partner agencies", percent(report.partner_rate), f"{stats.NATIONAL_PARTNER_RATE}% (national)"],
    ]


def _cell(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def return_csv(report, *, suppressed):
    """The return as CSV, one row per figure, ready to copy into the national return."""
    columns, rows = return_table(report, suppressed=suppressed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(f"MARAC data return: {report.area.name}, {report.year} Q{report.quarter}")])
    writer.writerow(["Figure", *columns])
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
    writer.writerow([])
    writer.writerow(["Measure", "This area", "Benchmark"])
    for row in benchmarks(report):
        writer.writerow([_cell(cell) for cell in row])
    writer.writerow([])
    writer.writerow(["Referring agency", "Cases"])
    for name, _kind, count in report.by_agency:
        writer.writerow([_cell(name), _shown(count, suppressed)])
    return out.getvalue()


def return_pdf(report, user, *, suppressed):
    columns, rows = return_table(report, suppressed=suppressed)
    header = PaperHeader(
        area_name=report.area.name,
        meeting_title=f"Quarterly data return, {report.year} Q{report.quarter}",
        generated_for=f"{user.name}, {user.agency.name}",
        generated_at=utcnow(),
    )
    by_agency = [(name, _shown(count, suppressed)) for name, _kind, count in report.by_agency]
    return data_return_pdf(header, columns, rows, benchmarks(report), by_agency)
