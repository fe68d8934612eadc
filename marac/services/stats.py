"""Figures computed from the case records: the quarterly MARAC data return, equality
monitoring, attendance, dashboards and the API's quarterly figures, and the percentages they
show. Every count is an aggregate in SQL.

A case counts as "discussed" at a meeting when it was on the meeting's list through a referral
(new or repeat) and was discussed at it once held (agenda.discussed_at_held_meeting: listed but
not discussed is not counted); reviews of incomplete actions and 12-month reviews are not new
discussions.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from marac.services import agenda
from models import (
    Agency,
    AgencyKind,
    AgendaItem,
    Attendance,
    Case,
    CaseChild,
    CasePerpetrator,
    Meeting,
    Person,
    Referral,
    ReferralStatus,
    VictimView,
    db,
)
from models.clock import day_start, last_quarters, months_ago, quarter_bounds, uk_date, uk_today
from models.meetings import meeting_agencies
from models.people import RACIALLY_MINORITISED, YesNoPreferNot
from models.referrals import REPEAT_CLAIMED

HELD = agenda.HELD_STATUSES

# National figures the return is benchmarked against (SafeLives, 12 months to September 2024).
RECOMMENDED_CASES_PER_10K = 40
NATIONAL_REPEAT_RATE = 31
NATIONAL_PARTNER_RATE = 36
NATIONAL_POLICE_RATE = 100 - NATIONAL_PARTNER_RATE  # every referral is from the police or a partner


class years_before(FunctionElement):
    """The date `years` years before a date column, in SQL (SQLite and PostgreSQL)."""

    type = sa.Date()
    inherit_cache = True
    name = "years_before"


@compiles(years_before, "sqlite")
def _years_before_sqlite(element, compiler, **kw):
    column, years = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, '-' || {compiler.process(years, **kw)} || ' years')"


@compiles(years_before, "postgresql")
def _years_before_postgresql(element, compiler, **kw):
    column, years = list(element.clauses)
    return f"CAST({compiler.process(column, **kw)} - make_interval(years => {compiler.process(years, **kw)}) AS DATE)"


def percent(part, whole, places=None):
    """`part` as a percentage of `whole`, rounded to a whole number (or to `places` decimals);
    None when `whole` is 0."""
    return round(100 * part / whole, places) if whole else None


def _sum(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


@dataclass
class Figures:
    cases: int = 0
    repeats: int = 0
    police_referrals: int = 0
    partner_referrals: int = 0
    children: int = 0
    racially_minoritised: int = 0
    lgbt: int = 0
    disabled: int = 0
    male: int = 0
    aged_16_17: int = 0
    perpetrators_17_or_under: int = 0
    views_represented: int = 0

    def add(self, other):
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def percent(self, count):
        return percent(count, self.cases, 1)


FIGURE_LABELS = {
    "cases": "Cases discussed",
    "repeats": "Repeat cases",
    "police_referrals": "Referrals from the police",
    "partner_referrals": "Referrals from partner agencies",
    "children": "Children in the households",
    "racially_minoritised": "Victims who are Black, Asian or racially minoritised",
    "lgbt": "Victims who are LGBT+",
    "disabled": "Victims who are disabled",
    "male": "Male victims",
    "aged_16_17": "Victims aged 16 or 17",
    "perpetrators_17_or_under": "Perpetrators aged 17 or under",
    "views_represented": "Cases where the victim's views were represented",
}


def _discussed(area_id, start, end):
    """The held meetings' discussed items of an area in [start, end) (UK dates)."""
    return (
        sa.select(AgendaItem.meeting_id, AgendaItem.case_id, AgendaItem.referral_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.area_id == area_id,
            agenda.discussed_at_held_meeting(),
            Meeting.starts_at >= day_start(start),
            Meeting.starts_at < day_start(end),
            AgendaItem.referral_id.is_not(None),
        )
        .subquery()
    )


def figures_by_meeting(area_id, start, end):
    """{meeting id: Figures} for the held meetings of an area between two dates. One query."""
    items = _discussed(area_id, start, end)
    children = sa.select(sa.func.count(CaseChild.id)).where(CaseChild.case_id == items.c.case_id).scalar_subquery()
    young_perpetrators = (
        sa.select(sa.func.count(CasePerpetrator.id))
        .join(Person, Person.id == CasePerpetrator.person_id)
        .where(
            CasePerpetrator.case_id == items.c.case_id, Person.date_of_birth > years_before(Referral.referred_on, 18)
        )
        .scalar_subquery()
    )
    victim = sa.orm.aliased(Person)
    aged_16_17 = sa.and_(
        victim.date_of_birth > years_before(Referral.referred_on, 18),
        victim.date_of_birth <= years_before(Referral.referred_on, 16),
    )
    # Represented: their IDVA or the referrer recorded the victim's views before the meeting began.
    held = sa.orm.aliased(Meeting)
    represented = sa.exists().where(VictimView.case_id == items.c.case_id, VictimView.recorded_at < held.starts_at)
    rows = db.session.execute(
        sa.select(
            items.c.meeting_id,
            sa.func.count(),
            _sum(Referral.is_repeat.is_(True)),
            _sum(Agency.kind == AgencyKind.POLICE),
            sa.func.coalesce(sa.func.sum(children), 0),
            _sum(victim.ethnicity.in_(sorted(RACIALLY_MINORITISED))),
            _sum(victim.lgbt == YesNoPreferNot.YES),
            _sum(victim.disability == YesNoPreferNot.YES),
            _sum(victim.gender == "male"),
            _sum(aged_16_17),
            sa.func.coalesce(sa.func.sum(young_perpetrators), 0),
            _sum(represented),
        )
        .select_from(items)
        .join(held, held.id == items.c.meeting_id)
        .join(Referral, Referral.id == items.c.referral_id)
        .join(Agency, Agency.id == Referral.referring_agency_id)
        .join(Case, Case.id == items.c.case_id)
        .join(victim, victim.id == Case.victim_id)
        .group_by(items.c.meeting_id)
    ).all()
    result = {}
    for meeting_id, cases, repeats, police, kids, minoritised, lgbt, disabled, male, young, young_perps, views in rows:
        result[meeting_id] = Figures(
            cases=cases,
            repeats=int(repeats),
            police_referrals=int(police),
            partner_referrals=cases - int(police),
            children=int(kids),
            racially_minoritised=int(minoritised),
            lgbt=int(lgbt),
            disabled=int(disabled),
            male=int(male),
            aged_16_17=int(young),
            perpetrators_17_or_under=int(young_perps),
            views_represented=int(views),
        )
    return result


def referrals_by_agency(area_id, start, end):
    """[(agency name, agency kind, cases discussed)] for the period. One query."""
    items = _discussed(area_id, start, end)
    return db.session.execute(
        sa.select(Agency.name, Agency.kind, sa.func.count())
        .select_from(items)
        .join(Referral, Referral.id == items.c.referral_id)
        .join(Agency, Agency.id == Referral.referring_agency_id)
        .group_by(Agency.name, Agency.kind)
        .order_by(sa.func.count().desc(), Agency.name)
    ).all()


def claimed_repeats(area_id, start, end):
    """The referrals discussed in the period whose referrer claims a repeat that the record does
    not show and the coordinator has not confirmed: not counted as repeats, listed for checking."""
    items = _discussed(area_id, start, end)
    return db.session.scalars(
        sa.select(Referral)
        .where(Referral.id.in_(sa.select(items.c.referral_id)), Referral.repeat_claim == REPEAT_CLAIMED)
        .order_by(Referral.id)
    ).all()


@dataclass
class QuarterReturn:
    area: object
    year: int
    quarter: int
    meetings: list = field(default_factory=list)  # [(Meeting, Figures)]
    total: Figures = field(default_factory=Figures)
    by_agency: list = field(default_factory=list)
    claimed_repeats: list = field(default_factory=list)  # claimed_repeats()

    @property
    def cases_per_10k_women_a_year(self):
        population = self.area.adult_female_population
        if not population:
            return None
        return round(self.total.cases * 4 * 10_000 / population, 1)

    @property
    def repeat_rate(self):
        return self.total.percent(self.total.repeats)

    @property
    def partner_rate(self):
        return self.total.percent(self.total.partner_referrals)


def quarterly_return(area, year, quarter):
    """The MARAC data return of an area for one quarter: per meeting, the total, by agency."""
    start, end = quarter_bounds(year, quarter)
    per_meeting = figures_by_meeting(area.id, start, end)
    held = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.area_id == area.id,
            Meeting.status.in_(HELD),
            Meeting.starts_at >= day_start(start),
            Meeting.starts_at < day_start(end),
        )
        .order_by(Meeting.starts_at)
    ).all()
    report = QuarterReturn(
        area=area,
        year=year,
        quarter=quarter,
        by_agency=referrals_by_agency(area.id, start, end),
        claimed_repeats=claimed_repeats(area.id, start, end),
    )
    for meeting in held:
        figures = per_meeting.get(meeting.id, Figures())
        report.meetings.append((meeting, figures))
        report.total.add(figures)
    return report


def attendance_by_agency(area_id, start, end):
    """[(agency name, meetings attended, meetings invited to)] for held meetings. One query."""
    present = sa.func.coalesce(sa.func.sum(sa.case((Attendance.is_present.is_(True), 1), else_=0)), 0)
    return db.session.execute(
        sa.select(Agency.name, present, sa.func.count(meeting_agencies.c.meeting_id))
        .select_from(meeting_agencies)
        .join(Meeting, Meeting.id == meeting_agencies.c.meeting_id)
        .join(Agency, Agency.id == meeting_agencies.c.agency_id)
        .outerjoin(Attendance, sa.and_(Attendance.meeting_id == Meeting.id, Attendance.agency_id == Agency.id))
        .where(
            Meeting.area_id == area_id,
            Meeting.status.in_(HELD),
            Meeting.starts_at >= day_start(start),
            Meeting.starts_at < day_start(end),
        )
        .group_by(Agency.name)
        .order_by(Agency.name)
    ).all()


def month_window(months, today=None):
    """The first day of the first of the last `months` calendar months, this one included."""
    return months_ago(months - 1, today).replace(day=1)


def every_month(rows, first, months):
    """[(year, month, referrals, repeats)] for each of `months` months from `first`, from `rows` of
    the months that have referrals: a month with none is there with zeros, so that a chart does
    not close the gap."""
    counted = {(year, month): (count, repeats) for year, month, count, repeats in rows}
    result = []
    for index in range(months):
        day = first + relativedelta(months=index)
        count, repeats = counted.get((day.year, day.month), (0, 0))
        result.append((day.year, day.month, count, repeats))
    return result


def referrals_per_month(area_ids, months=12, today=None, *, by_area=False, first=None):
    """[(year, month, referrals, repeats)] of sent referrals in each of the last `months` calendar
    months (this one included), oldest first, every month there (every_month). One query.
    `by_area`: [(area id, year, month, referrals, repeats)] of the months with referrals (the
    summary tables, services.rollups); `first`: from this day rather than the window's first."""
    today = today or uk_today()
    start = first or month_window(months, today)
    year, month = sa.extract("year", Referral.referred_on), sa.extract("month", Referral.referred_on)
    areas = [Referral.area_id] if by_area else []
    rows = db.session.execute(
        sa.select(
            *areas,
            sa.cast(year, sa.Integer),
            sa.cast(month, sa.Integer),
            sa.func.count(),
            _sum(Referral.is_repeat.is_(True)),
        )
        .where(
            Referral.area_id.in_(list(area_ids)) if area_ids is not None else sa.true(),
            Referral.referred_on >= start,
            Referral.referred_on <= today,
            Referral.status.not_in(["draft", "declined"]),
        )
        .group_by(*areas, year, month)
        .order_by(*areas, year, month)
    ).all()
    rows = [(*row[:-4], int(row[-4]), int(row[-3]), row[-2], int(row[-1])) for row in rows]
    return rows if by_area else every_month(rows, start, months)


def quarterly_figures(area_ids, *, quarters=4, today=None):
    """The API's quarterly figures: {area id: [{year, quarter, starts_on, ends_on, referrals,
    repeat_referrals, cases_discussed}]} for the last `quarters` quarters, oldest first, today's
    counted so far. Referrals are those sent (not drafts), by date of referral, in the area they were sent
    to. Two aggregate queries whatever the number of areas."""
    periods = []
    for year, quarter in last_quarters(quarters, today):
        first, after = quarter_bounds(year, quarter)
        periods.append((year, quarter, first, after - timedelta(days=1)))
    start, end = periods[0][2], periods[-1][3]
    area_ids = sorted(area_ids)
    figures = {
        area_id: [
            {
                "year": year,
                "quarter": quarter,
                "starts_on": first,
                "ends_on": last,
                "referrals": 0,
                "repeat_referrals": 0,
                "cases_discussed": 0,
            }
            for year, quarter, first, last in periods
        ]
        for area_id in area_ids
    }
    if not area_ids:
        return figures

    quarter_index = sa.case(
        *[(Referral.referred_on.between(first, last), index) for index, (_y, _q, first, last) in enumerate(periods)],
        else_=None,
    ).label("quarter_index")
    sent = db.session.execute(
        sa.select(Referral.area_id, quarter_index, sa.func.count(Referral.id), _sum(Referral.is_repeat))
        .where(
            Referral.area_id.in_(area_ids),
            Referral.status != ReferralStatus.DRAFT,
            Referral.referred_on.between(start, end),
        )
        .group_by(Referral.area_id, quarter_index)
    ).all()
    for area_id, index, count, repeats in sent:
        if index is not None:
            figures[area_id][index]["referrals"] = count
            figures[area_id][index]["repeat_referrals"] = int(repeats or 0)

    # Per meeting (a few a month), then placed in a quarter by its UK date.
    discussed = db.session.execute(
        sa.select(Meeting.area_id, Meeting.starts_at, sa.func.count(AgendaItem.id))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.area_id.in_(area_ids),
            agenda.discussed_at_held_meeting(),
            Meeting.starts_at >= day_start(start),
            Meeting.starts_at < day_start(end + timedelta(days=1)),
            AgendaItem.referral_id.is_not(None),
        )
        .group_by(Meeting.id, Meeting.area_id, Meeting.starts_at)
    ).all()
    for area_id, starts_at, count in discussed:
        day = uk_date(starts_at)
        index = next((index for index, (_y, _q, first, last) in enumerate(periods) if first <= day <= last), None)
        if index is not None:
            figures[area_id][index]["cases_discussed"] += count
    return figures
