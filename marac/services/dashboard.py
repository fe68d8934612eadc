"""What each role's home page shows."""

import sqlalchemy as sa

from marac.services import access, actions, meetings
from models import (
    Action,
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
from models.clock import uk_today, utcnow

ROLE_PURPOSE = {
    Role.COORDINATOR: "Receive and triage referrals, prepare each meeting's case list, take minutes and chase actions.",
    Role.CHAIR: "Chair MARAC meetings and approve their minutes.",
    Role.IDVA: "Manage your caseload and represent the victims you support at MARAC.",
    Role.IDVA_MANAGER: "Allocate high-risk cases to IDVAs and keep caseloads within capacity.",
    Role.AGENCY_REP: "Refer cases, answer research requests for your agency and update your agency's actions.",
    Role.STEERING: "Oversee how the MARAC works, from figures that name nobody.",
    Role.ADMIN: "Manage areas, agencies, user accounts and the audit log.",
}


def panels_for(user, today=None):
    """One panel per role the user holds, in a fixed order, with what needs their attention:
    [(label, value, link or None)]. A handful of counting queries, whatever the data size."""
    today = today or uk_today()
    figures = {
        Role.COORDINATOR: lambda: _coordinator_figures(user, today),
        Role.CHAIR: lambda: _chair_figures(user),
        Role.AGENCY_REP: lambda: _agency_figures(user, today),
        Role.ADMIN: _admin_figures,
    }
    return [
        {
            "role": role,
            "title": role.label,
            "purpose": ROLE_PURPOSE[role],
            "figures": figures[role]() if role in figures else [],
        }
        for role in Role
        if role in user.roles
    ]


def _next_meeting(where):
    return db.session.scalar(
        sa.select(Meeting).where(where, Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at).limit(1)
    )


def _meeting_row(meeting, label):
    if meeting is None:
        return (label, "None scheduled", None)
    return (
        label,
        f"{meetings.title(meeting).removeprefix('MARAC meeting, ')} ({meeting.status_label.lower()})",
        f"/meetings/{meeting.id}",
    )


def _overdue(where, today):
    return db.session.scalar(sa.select(sa.func.count(Action.id)).where(where, actions.overdue(today)))


def _coordinator_figures(user, today):
    waiting = db.session.scalar(
        sa.select(sa.func.count(Referral.id)).where(
            Referral.area_id.in_(user.area_ids), Referral.status == ReferralStatus.SUBMITTED
        )
    )
    return [
        ("Referrals waiting for triage", waiting, "/referrals?status=submitted"),
        _meeting_row(_next_meeting(Meeting.area_id.in_(user.area_ids)), "Next meeting"),
        ("Overdue actions", _overdue(access.visible_actions(user), today), "/actions?due=overdue"),
    ]


def _chair_figures(user):
    to_approve = db.session.scalar(
        sa.select(sa.func.count(Meeting.id)).where(Meeting.chair_id == user.id, Meeting.status == MeetingStatus.HELD)
    )
    return [
        _meeting_row(_next_meeting(Meeting.chair_id == user.id), "Next meeting you chair"),
        ("Minutes waiting for your approval", to_approve, "/meetings/" if to_approve else None),
    ]


def _agency_figures(user, today):
    unanswered = db.session.scalar(
        sa.select(sa.func.count(ResearchRequest.id))
        .join(AgendaItem, AgendaItem.id == ResearchRequest.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            access.own_research(user),
            ResearchRequest.status == ResearchStatus.REQUESTED,
            AgendaItem.removed_at.is_(None),
            Meeting.starts_at >= utcnow(),
        )
    )
    return [
        ("Research requests to answer", unanswered, "/meetings/"),
        (
            "Your agency's overdue actions",
            _overdue(access.own_agency_actions(user), today),
            "/actions?due=overdue",
        ),
    ]


def _admin_figures():
    live_sessions = sa.select(sa.func.count(UserSession.id)).where(UserSession.ended_at.is_(None)).scalar_subquery()
    areas, agencies, active_users, sessions = db.session.execute(
        sa.select(
            sa.select(sa.func.count(Area.id)).where(Area.is_active).scalar_subquery(),
            sa.select(sa.func.count(Agency.id)).where(Agency.is_active).scalar_subquery(),
            sa.select(sa.func.count(User.id)).where(User.is_active).scalar_subquery(),
            live_sessions,
        )
    ).one()
    return [
        ("Areas in use", areas, "/admin/areas"),
        ("Agencies in use", agencies, "/admin/agencies"),
        ("Accounts that can sign in", active_users, "/admin/users"),
        ("Open sessions", sessions, None),
    ]
