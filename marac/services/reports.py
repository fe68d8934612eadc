"""The reports' figures as their readers may see them: the quarterly return laid out once for the
page, the CSV and the PDF; the dashboard's charts; the API's quarterly figures. For readers
outside the coordinator role, small numbers are hidden here, in the numbers themselves
(services/small_numbers.py), before anything draws or prints them."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from marac.services import access, actions, caseload, rollups, stats
from marac.services.areas import agency_names
from marac.services.caseload.figures import OUTCOMES
from marac.services.exports import cell
from marac.services.pdf.data_return import data_return_pdf
from marac.services.pdf.papers import PaperHeader
from marac.services.small_numbers import CONCEALED, NOTE, Figures, Shown
from models import AgencyKind, Role, User, db
from models.clock import last_months, uk_date, utcnow

FIGURES = list(stats.FIGURE_LABELS)
# The figures that count some of the cases discussed (the rest of the cases are not shown).
SHARES_OF_CASES = ("repeats", "racially_minoritised", "lgbt", "disabled", "male", "aged_16_17", "views_represented")


def sees_exact_figures(user):
    """Coordinators see their areas' figures as they are; everyone else (the steering group, IDVA
    managers) with small numbers hidden."""
    return user.has_role(Role.COORDINATOR)


def completion_actions(user, area_ids):
    """A WHERE clause on Action: the actions whose completion the dashboard shows. Exact figures
    come from the actions the user sees; the others from all the areas' actions."""
    return access.visible_actions(user) if sees_exact_figures(user) else access.actions_in_areas(area_ids)


# The quarterly return


@dataclass
class ReturnTable:
    """The quarterly return as its reader may see it: every count a Shown."""

    columns: list  # a column per meeting, then the quarter
    rows: list  # [label, Shown per column]
    benchmarks: list  # [measure, this area's figure (text), benchmark (text)]
    by_agency: list  # [(agency name, Shown)]
    equality: list  # [(label, victims' share (Shown or None), the area's population share or None)]
    note: str | None  # what "<5" and "[c]" mean, for a reader who may see them


def return_table(report, *, exact):
    """The return of `stats.quarterly_return`, with small numbers hidden unless `exact`: each
    row's total ties its meetings' cells, each column's cases tie the police's and partners'
    referrals and the shares of cases (repeats, male victims, ...), and the cases by agency tie
    the quarter's referrals."""
    columns = [*range(len(report.meetings)), "quarter"]
    figures = Figures(exact=exact)
    for name in FIGURES:
        for column, (_meeting, values) in enumerate(report.meetings):
            figures.count((name, column), getattr(values, name))
        figures.count((name, "quarter"), getattr(report.total, name))
        figures.sum((name, "quarter"), [(name, column) for column in columns[:-1]])
    for column in columns:
        figures.sum(("cases", column), [("police_referrals", column), ("partner_referrals", column)])
        for name in SHARES_OF_CASES:
            figures.sum(("cases", column), [(name, column)], whole=False)
    agencies = [figures.count(("agency", index), count) for index, (_n, _k, count) in enumerate(report.by_agency)]
    police = [key for key, (_n, kind, _c) in zip(agencies, report.by_agency, strict=True) if kind == AgencyKind.POLICE]
    figures.sum(("cases", "quarter"), agencies)
    figures.sum(("police_referrals", "quarter"), police)
    figures.sum(("partner_referrals", "quarter"), [key for key in agencies if key not in police])

    rows = [[stats.FIGURE_LABELS[name], *(figures.shown((name, column)) for column in columns)] for name in FIGURES]
    cases = ("cases", "quarter")

    def rate(name):
        share = figures.share((name, "quarter"), cases)
        return "Not known" if share is None else f"{share}%" if not share.hidden else share.text

    per_10k = report.cases_per_10k_women_a_year
    if per_10k is not None and figures.shown(cases).hidden:
        per_10k = CONCEALED
    area = report.area
    equality = [
        ("Black, Asian or racially minoritised", "racially_minoritised", area.pct_racially_minoritised),
        ("LGBT+", "lgbt", area.pct_lgbt),
        ("Disabled", "disabled", area.pct_disabled),
        ("Male", "male", area.pct_male),
        ("Aged 16 or 17", "aged_16_17", area.pct_aged_16_17),
    ]
    return ReturnTable(
        columns=[f"{uk_date(meeting.starts_at):%d %b %Y}" for meeting, _figures in report.meetings]
        + [f"{report.year} Q{report.quarter}"],
        rows=rows,
        benchmarks=[
            [
                "Cases per 10,000 adult women a year",
                "Not known" if per_10k is None else str(per_10k),
                f"{stats.RECOMMENDED_CASES_PER_10K} (recommended)",
            ],
            ["Repeat cases", rate("repeats"), f"{stats.NATIONAL_REPEAT_RATE}% (national)"],
            ["Referrals from the police", rate("police_referrals"), f"{stats.NATIONAL_POLICE_RATE}% (national)"],
            [
                "Referrals from partner agencies",
                rate("partner_referrals"),
                f"{stats.NATIONAL_PARTNER_RATE}% (national)",
            ],
        ],
        by_agency=[(name, figures.shown(key)) for key, (name, _k, _c) in zip(agencies, report.by_agency, strict=True)],
        equality=[(label, figures.share((name, "quarter"), cases), population) for label, name, population in equality],
        note=None if exact else NOTE,
    )


def return_csv(report, table):
    """The return as CSV, one row per figure, ready to copy into the national return."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(f"MARAC data return: {report.area.name}, {report.year} Q{report.quarter}")])
    writer.writerow(["Figure", *table.columns])
    for row in table.rows:
        writer.writerow([cell(value) for value in row])
    # As the web page: the claimed repeats the figures leave out, by reference only, for checking.
    writer.writerow([])
    writer.writerow(["Repeats claimed, not found on record"])
    for referral in report.claimed_repeats:
        writer.writerow([cell(referral.reference)])
    if not report.claimed_repeats:
        writer.writerow(["None"])
    writer.writerow([])
    writer.writerow(["Measure", "This area", "Benchmark"])
    for row in table.benchmarks:
        writer.writerow([cell(value) for value in row])
    writer.writerow([])
    writer.writerow(["Referring agency", "Cases"])
    for name, count in table.by_agency:
        writer.writerow([cell(name), cell(count)])
    if table.note:
        writer.writerow([])
        writer.writerow([table.note])
    return out.getvalue()


def return_pdf(report, table, user):
    header = PaperHeader(
        area_name=report.area.name,
        meeting_title=f"Quarterly data return, {report.year} Q{report.quarter}",
        generated_for=f"{user.name}, {user.agency.name}",
        generated_at=utcnow(),
    )
    return data_return_pdf(
        header,
        table.columns,
        table.rows,
        table.benchmarks,
        table.by_agency,
        note=table.note,
        claimed=[referral.reference for referral in report.claimed_repeats],
    )


# The dashboard


@dataclass
class Dashboard:
    """The reports dashboard as its reader may see it: [(label, Shown)] for each chart."""

    referrals: list  # per month
    repeat_rates: list  # per month, percentages
    completion: list  # per agency, percentages: this page of them, the lowest first
    idva_caseloads: list  # per IDVA (empty when their names are not shown)
    idva_active: Shown
    idva_count: Shown
    idva_capacity: int | None  # None unless every service's IDVAs are shown one by one
    received: Shown
    within_target: Shown
    judged: Shown
    within_target_rate: Shown | None
    closed: Shown
    outcomes: list  # [(label, achieved, measured)]
    note: str | None
    as_of: datetime | None = None  # when the summary tables were built; None: computed now
    completion_page: int = 1
    more_agencies: bool = False


def _monthly_referrals(figures, months):
    """Each month's referrals and repeats (rows of stats.referrals_per_month, or of its summary
    table) counted into `figures`: ([(label, referrals key)] for every month, [(label, repeats
    key, referrals key)] for the months with referrals), oldest first."""
    referrals, repeat_rates = [], []
    for year, month, count, repeats in months:
        label = f"{date(year, month, 1):%b %Y}"
        figures.count(("referrals", label), count)
        figures.count(("repeats", label), repeats)
        figures.sum(("referrals", label), [("repeats", label)], whole=False)
        referrals.append((label, ("referrals", label)))
        if count:  # a month with no referrals has no repeat rate (not 0%)
            repeat_rates.append((label, ("repeats", label), ("referrals", label)))
    return referrals, repeat_rates


def _rate(figures, part, whole):
    return figures.share(part, whole, places=None) or Shown(0, "0")


def referrals_each_month(user, area_ids, today=None):
    """[(month label, Shown)]: the referrals of each of the last twelve months, months with none
    as 0, small numbers hidden for readers outside the coordinator role (the home page's chart)."""
    figures = Figures(exact=sees_exact_figures(user))
    referrals, _rates = _monthly_referrals(figures, stats.referrals_per_month(area_ids, today=today))
    return [(label, figures.shown(key)) for label, key in referrals]


COMPLETION_PAGE = 20


def dashboard(user, area_ids, today=None, *, page=1):
    """The figures of the reports dashboard for `user`: referrals and repeats each month of the
    last twelve, action completion by agency over four quarters (the lowest first, a page of
    agencies at a time), and the IDVA service over the last three months.

    The steering group's and IDVA managers' figures (every action of their areas) come from the
    summary tables while the scheduler keeps them (services/rollups.py); a coordinator's, exact
    and from the actions they see, are computed now, as are everyone's when the tables were not
    built since yesterday."""
    figures = Figures(exact=sees_exact_figures(user))
    summary = None if figures.exact else rollups.fresh(today)
    if summary:
        months = rollups.referrals_per_month(area_ids, today=today)
        completion_rows = rollups.completion_by_agency(area_ids, quarters=4, today=today)
    else:
        months = stats.referrals_per_month(area_ids, today=today)
        completion_rows = actions.completion_by_agency(completion_actions(user, area_ids), quarters=4, today=today)
    referrals, repeat_rates = _monthly_referrals(figures, months)

    by_agency = {}
    for agency_id, _year, _quarter, done, due in completion_rows:
        total = by_agency.setdefault(agency_id, [0, 0])
        total[0] += done
        total[1] += due
    names = agency_names()
    completion = []
    for agency_id, (done, due) in by_agency.items():
        figures.count(("done", agency_id), done)
        figures.count(("due", agency_id), due)
        figures.sum(("due", agency_id), [("done", agency_id)], whole=False)
        completion.append((names.get(agency_id, ""), ("done", agency_id), ("due", agency_id)))

    loads = caseload.caseload_against_capacity(area_ids)
    exact_ids = (
        set(
            db.session.scalars(
                sa.select(User.id).where(
                    User.id.in_([load.idva_id for load in loads]), access.exact_caseload_idvas(user)
                )
            )
        )
        if loads
        else set()
    )
    idvas = [figures.count(("idva", load.idva_id), load.active) for load in loads]
    figures.count("active", sum(load.active for load in loads))
    figures.sum("active", idvas)
    figures.count("idvas", len(loads))

    start, end = last_months(3, today)
    if summary:
        first_contact = rollups.first_contact_performance(area_ids, start=start, end=end)
        outcomes = rollups.outcomes_at_closure(area_ids, start=start, end=end)
    else:
        first_contact = caseload.first_contact_performance(area_ids, start=start, end=end, today=today)
        outcomes = caseload.outcomes_at_closure(area_ids, start=start, end=end)
    figures.count("received", first_contact.received)
    figures.count("within_target", first_contact.within_target)
    figures.count("judged", first_contact.judged)
    figures.sum("judged", ["within_target"], whole=False)
    figures.count("closed", outcomes.closed)
    for name in OUTCOMES:
        achieved, measured = getattr(outcomes, name)
        figures.count((name, "achieved"), achieved)
        figures.count((name, "measured"), measured)
        figures.sum((name, "measured"), [(name, "achieved")], whole=False)

    def rate(part, whole):
        return _rate(figures, part, whole)

    # The agencies that matter first: the lowest completion, then those whose rate is hidden.
    rates = sorted(
        ((name, rate(part, whole)) for name, part, whole in completion),
        key=lambda row: (row[1].hidden, row[1].value if not row[1].hidden else 0, row[0]),
    )
    first = (page - 1) * COMPLETION_PAGE

    return Dashboard(
        referrals=[(label, figures.shown(key)) for label, key in referrals],
        repeat_rates=[(label, rate(part, whole)) for label, part, whole in repeat_rates],
        completion=rates[first : first + COMPLETION_PAGE],
        completion_page=page,
        more_agencies=len(rates) > first + COMPLETION_PAGE,
        idva_caseloads=[
            (load.name, figures.shown(key)) for load, key in zip(loads, idvas, strict=True) if load.idva_id in exact_ids
        ],
        idva_active=figures.shown("active"),
        idva_count=figures.shown("idvas"),
        idva_capacity=sum(load.capacity for load in loads) if len(exact_ids) == len(loads) else None,
        received=figures.shown("received"),
        within_target=figures.shown("within_target"),
        judged=figures.shown("judged"),
        within_target_rate=figures.share("within_target", "judged", places=None),
        closed=figures.shown("closed"),
        outcomes=[
            (label, figures.shown((name, "achieved")), figures.shown((name, "measured")))
            for name, label in OUTCOMES.items()
        ],
        note=None if figures.exact else NOTE,
        as_of=summary.built_at if summary else None,
    )


# The API's quarterly figures

QUARTERLY_COUNTS = ("referrals", "repeat_referrals", "cases_discussed")


def quarterly_figures(user, area_ids, *, quarters=4):
    """`stats.quarterly_figures` as `user` may see them: a hidden count is the text that stands
    for it ("<5", "[c]"). Repeat referrals are some of the referrals (the rest is not given)."""
    exact = sees_exact_figures(user)
    result = {}
    for area_id, rows in stats.quarterly_figures(area_ids, quarters=quarters).items():
        shown_rows = []
        for row in rows:
            figures = Figures(exact=exact)
            for name in QUARTERLY_COUNTS:
                figures.count(name, row[name])
            figures.sum("referrals", ["repeat_referrals"], whole=False)
            shown_rows.append({**row, **{name: figures.shown(name).api() for name in QUARTERLY_COUNTS}})
        result[area_id] = shown_rows
    return result
