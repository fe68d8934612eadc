"""What each role's home page shows: the figures that need the user's attention, each a link to
the list behind it, filtered so that the list holds exactly what the figure counts."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa

from marac.services import access, actions, caseload, meetings, reports, stats
from marac.services.areas import user_areas
from marac.services.caseload.figures import first_contact_performance
from marac.services.caseload.pages import NEW_ALLOCATION_DAYS
from marac.services.small_numbers import Figures
from models import (
    Agency,
    AgendaItem,
    Area,
    Meeting,
    MeetingStatus,
    Referral,
    ReferralStatus,
    ResearchRequest,
    ResearchStatus,
    Role,
    User,
    UserSession,
    db,
)
from models.clock import last_months, previous_quarter, uk_today, utcnow

ROLE_PURPOSE = {
    Role.COORDINATOR: "Receive and triage referrals, prepare each meeting's case list, take minutes and chase actions.",
    Role.CHAIR: "Chair MARAC meetings and approve their minutes.",
    Role.IDVA: "Manage your caseload and represent the victims you support at MARAC.",
    Role.IDVA_MANAGER: "Allocate high-risk cases to IDVAs and keep caseloads within capacity.",
    Role.AGENCY_REP: "Refer cases, answer research requests for your agency and update your agency's actions.",
    Role.STEERING: "Oversee how the MARAC works, from figures that name nobody.",
    Role.ADMIN: "Manage areas, agencies, user accounts and the audit log.",
}

NEXT_MEETINGS = 3  # how many of the chair's coming meetings the home page lists


@dataclass
class Panel:
    role: Role
    figures: list = field(default_factory=list)  # [(label, value, link or None)]
    extra: dict = field(default_factory=dict)  # a role's own table or chart

    @property
    def title(self):
        return self.role.label

    @property
    def purpose(self):
        return ROLE_PURPOSE[self.role]


def panels_for(user, today=None):
    """One panel per role the user holds, in a fixed order. A handful of counting queries for
    each role, whatever the data size."""
    today = today or uk_today()
    build = {
        Role.COORDINATOR: lambda panel: _coordinator(panel, user, today),
        Role.CHAIR: lambda panel: _chair(panel, user),
        Role.IDVA: lambda panel: _idva(panel, user),
        Role.AGENCY_REP: lambda panel: _agency(panel, user, today),
        Role.STEERING: lambda panel: _steering(panel, user, today),
        Role.ADMIN: _admin,
    }
    panels = []
    for role in Role:
        if role in user.roles:
            panel = Panel(role)
            if role in build:
                build[role](panel)
            panels.append(panel)
    return panels


def _link(path, **args):
    """A link to a list with its filters (ids and codes only, never personal data)."""
    query = urlencode({key: value for key, value in args.items() if value is not None})
    return f"{path}?{query}" if query else path


def _count(query):
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def _coming_meetings(where, limit):
    return db.session.scalars(
        sa.select(Meeting).where(where, Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at).limit(limit)
    ).all()


def _meeting_row(meeting, label):
    if meeting is None:
        return (label, "None scheduled", None)
    return (
        label,
        f"{meetings.title(meeting).removeprefix('MARAC meeting, ')} ({meeting.status_label.lower()})",
        f"/meetings/{meeting.id}",
    )


def _action_figures(user, today, label):
    """The user's agency's open actions due this week and overdue, with links to the action list
    filtered the same way (by the agency too where the list offers that filter: for an agency
    representative the list holds only their agency's actions anyway)."""
    agency_id = user.agency_id if actions.filters_by_agency(user) else None
    scope = access.visible_actions(user)
    rows = []
    for due, text in (("week", "due this week"), ("overdue", "overdue")):
        query = actions.filtered(scope, status="open", due=due, agency_id=agency_id, today=today)
        rows.append(
            (
                f"{label} {text}",
                _count(query),
                _link("/actions/", status="open", due=due, agency_id=agency_id),
            )
        )
    return rows


# -- Coordinator ---------------------------------------------------------------------------------


def _coordinator(panel, user, today):
    waiting = _count(
        sa.select(Referral.id).where(access.visible_referrals(user), Referral.status == ReferralStatus.SUBMITTED)
    )
    coming = _coming_meetings(Meeting.area_id.in_(user.area_ids), 1)
    overdue = _count(actions.filtered(access.visible_actions(user), status="open", due="overdue", today=today))
    panel.figures = [
        ("Referrals waiting for triage", waiting, _link("/referrals", status="submitted")),
        _meeting_row(coming[0] if coming else None, "Next meeting"),
        ("Overdue actions", overdue, _link("/actions/", status="open", due="overdue")),
    ]


# -- Chair ---------------------------------------------------------------------------------------


def _chaired(user):
    """A WHERE clause on Meeting: those the user chairs and may open (the visible meetings rule: not
    those of areas they no longer work in)."""
    return sa.and_(access.visible_meetings(user), Meeting.chair_id == user.id)


def waiting_for_approval(user):
    """A WHERE clause on Meeting: the held meetings this user chairs, whose minutes wait for them."""
    return sa.and_(_chaired(user), Meeting.status == MeetingStatus.HELD)


def _chair(panel, user):
    coming = _coming_meetings(_chaired(user), NEXT_MEETINGS)
    to_approve = _count(sa.select(Meeting.id).where(waiting_for_approval(user)))
    panel.figures = [_meeting_row(meeting, "Meeting you chair") for meeting in coming] or [
        _meeting_row(None, "Next meeting you chair")
    ]
    panel.figures.append(("Minutes waiting for your approval", to_approve, _link("/meetings/", waiting="approval")))


# -- IDVA ----------------------------------------------------------------------------------------


def _idva(panel, user):
    rows = caseload.caseload_rows(access.caseload_cases(user), user.id)
    loads = caseload.caseload_against_capacity(None, idva_ids=[user.id])
    today = rows[0].today if rows else uk_today()
    listed = [row for row in rows if row.next_marac_at is not None]

    def link(**args):
        return _link("/caseload/", **args)

    load = loads[0] if loads else None
    panel.figures = [
        (
            "Your caseload",
            f"{len(rows)} of a capacity of {load.capacity} ({load.state_label.lower()})" if load else len(rows),
            link(),
        ),
        ("Contacts due today", sum(row.next_contact_on == today for row in rows), link(contact="today")),
        ("Contacts overdue", sum(row.is_contact_overdue for row in rows), link(contact="overdue")),
        ("Your cases at coming MARACs", len(listed), link(marac="listed", sort="marac")),
        ("Risk reviews due", sum(row.is_review_due for row in rows), link(review="due")),
        (
            f"New allocations (the last {NEW_ALLOCATION_DAYS} days)",
            sum(row.is_new for row in rows),
            link(allocated="week", sort="allocated"),
        ),
    ]
    panel.extra["research"] = _research_of_listed(user, sorted(listed, key=lambda row: row.next_marac_at))


def _research_of_listed(user, listed):
    """[(case reference, case id, meeting, research request or None)] for the IDVA's cases listed
    at coming meetings: whether their agency's research is answered. One query."""
    if not listed:
        return []
    now = utcnow()
    found = db.session.execute(
        sa.select(AgendaItem.case_id, Meeting, ResearchRequest)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(
            ResearchRequest,
            sa.and_(ResearchRequest.agenda_item_id == AgendaItem.id, ResearchRequest.agency_id == user.agency_id),
        )
        .where(
            AgendaItem.case_id.in_([row.case_id for row in listed]),
            AgendaItem.removed_at.is_(None),
            Meeting.starts_at >= now,
        )
        .order_by(Meeting.starts_at)
    ).all()
    first = {}
    for case_id, meeting, request in found:
        first.setdefault(case_id, (meeting, request))
    return [(row.reference, row.case_id, *first[row.case_id]) for row in listed if row.case_id in first]


# -- Agency representative -----------------------------------------------------------------------


def research_to_answer(user):
    """A select of (ResearchRequest, AgendaItem, Meeting): the research the user's agency has not
    answered yet for the coming meetings it researches, soonest first."""
    return (
        sa.select(ResearchRequest, AgendaItem, Meeting)
        .join(AgendaItem, AgendaItem.id == ResearchRequest.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            access.own_research(user),
            ResearchRequest.status == ResearchStatus.REQUESTED,
            AgendaItem.removed_at.is_(None),
            Meeting.starts_at >= utcnow(),
        )
        .order_by(Meeting.starts_at, AgendaItem.position, ResearchRequest.id)
    )


def _agency(panel, user, today):
    more_information = _count(
        sa.select(Referral.id).where(access.agency_referrals(user), Referral.status == ReferralStatus.MORE_INFORMATION)
    )
    panel.figures = [
        (
            "Research requests to answer for the coming meetings",
            _count(research_to_answer(user)),
            "/meetings/research-to-answer",
        ),
        *_action_figures(user, today, "Your agency's actions"),
        (
            "Your agency's referrals waiting for more information",
            more_information,
            _link("/referrals", status="more_information"),
        ),
    ]


# -- Steering group ------------------------------------------------------------------------------


def _steering(panel, user, today):
    """Each area's last complete quarter against the SafeLives benchmarks, the IDVA service's
    engagement, and the referrals of the last twelve months: small numbers hidden."""
    areas = user_areas(user, retired_too=True)
    year, quarter = previous_quarter(today)
    exact = reports.sees_exact_figures(user)
    headlines = []
    for area in areas:
        table = reports.return_table(stats.quarterly_return(area, year, quarter), exact=exact)
        link = _link("/reports/return", area_id=area.id, year=year, quarter=quarter)
        headlines.append((area, [(measure, value, benchmark, link) for measure, value, benchmark in table.benchmarks]))
    panel.extra["quarter"] = f"{year} Q{quarter}"
    panel.extra["headlines"] = headlines
    panel.extra["engagement"] = _idva_engagement(user, [area.id for area in areas], today)
    panel.extra["chart"] = reports.referrals_each_month(user, [area.id for area in areas], today)


def _idva_engagement(user, area_ids, today):
    """(received, engaged (first contact made), share): the IDVA service's last three months, as
    the reports page shows them."""
    start, end = last_months(3, today)
    performance = first_contact_performance(area_ids, start=start, end=end, today=today)
    figures = Figures(exact=reports.sees_exact_figures(user))
    figures.count("received", performance.received)
    figures.count("engaged", performance.within_target + performance.late)
    figures.sum("received", ["engaged"], whole=False)
    return figures.shown("received"), figures.shown("engaged"), figures.share("engaged", "received", places=None)


# -- Administrator -------------------------------------------------------------------------------


def _admin(panel):
    live_sessions = sa.select(sa.func.count(UserSession.id)).where(UserSession.ended_at.is_(None)).scalar_subquery()
    areas, agencies, active_users, sessions = db.session.execute(
        sa.select(
            sa.select(sa.func.count(Area.id)).where(Area.is_active).scalar_subquery(),
            sa.select(sa.func.count(Agency.id)).where(Agency.is_active).scalar_subquery(),
            sa.select(sa.func.count(User.id)).where(User.is_active).scalar_subquery(),
            live_sessions,
        )
    ).one()
    panel.figures = [
        ("Areas in use", areas, "/admin/areas"),
        ("Agencies in use", agencies, "/admin/agencies"),
        ("Accounts that can sign in", active_users, "/admin/users"),
        ("Open sessions", sessions, None),
    ]
