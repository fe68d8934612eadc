"""What each role's home page shows."""

import sqlalchemy as sa

from models import Agency, Area, Role, User, UserSession, db

ROLE_PURPOSE = {
    Role.COORDINATOR: "Receive and triage referrals, prepare each meeting's case list, take minutes and chase actions.",
    Role.CHAIR: "Chair MARAC meetings and approve their minutes.",
    Role.IDVA: "Manage your caseload and represent the victims you support at MARAC.",
    Role.IDVA_MANAGER: "Allocate high-risk cases to IDVAs and keep caseloads within capacity.",
    Role.AGENCY_REP: "Refer cases, answer research requests for your agency and update your agency's actions.",
    Role.STEERING: "Oversee how the MARAC works, from figures that name nobody.",
    Role.ADMIN: "Manage areas, agencies, user accounts and the audit log.",
}


def panels_for(user):
    """One panel per role the user holds, in a fixed order."""
    panels = [{"role": role, "title": role.label, "purpose": ROLE_PURPOSE[role]} for role in Role if role in user.roles]
    if Role.ADMIN in user.roles:
        panels[-1]["figures"] = _admin_figures()
    return panels


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
        ("Areas in use", areas),
        ("Agencies in use", agencies),
        ("Accounts that can sign in", active_users),
        ("Open sessions", sessions),
    ]
