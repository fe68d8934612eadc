"""A case's MARAC history and its Actions tab: each meeting the case was listed at, and every
action agreed for it, each part only for those who may see it (the scopes of access.py, the
same as the meeting pages, the minutes and the action list use)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import access, actions, agenda
from models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Referral,
    ResearchRequest,
    db,
)
from models.actions import OPEN_STATUSES
from models.clock import uk_today


@dataclass
class Listing:
    """One meeting the case was listed at, as this user may see it."""

    item: AgendaItem
    meeting: Meeting
    heard: bool
    meeting_visible: bool  # the user may open the meeting's page
    shows_discussion: bool  # the user may read the minutes (runs the meeting)
    referral: Referral | None = None  # the referral that brought the case to this meeting
    referral_visible: bool = False
    repeat_of: Referral | None = None  # the referral it repeats, when a repeat
    repeat_of_visible: bool = False
    actions: list = field(default_factory=list)
    overdue_ids: set = field(default_factory=set)  # of its actions, those open past their due date
    research: list = field(default_factory=list)


def listings(case, user, *, details=True):
    """The meetings the case was listed at (and not taken off), newest first, each with what this
    user may see of it. A fixed number of queries, however many meetings and actions. Without
    `details`, only the meetings (the timeline's needs)."""
    rows = db.session.execute(
        sa.select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case.id, AgendaItem.removed_at.is_(None))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    ).all()
    if not rows:
        return []
    meeting_ids = [meeting.id for _item, meeting in rows]
    visible = set(
        db.session.scalars(sa.select(Meeting.id).where(Meeting.id.in_(meeting_ids), access.visible_meetings(user)))
    )
    # A list not yet published is the coordinator's draft: only those who see the meeting see it.
    rows = [
        (item, meeting) for item, meeting in rows if meeting.id in visible or meeting.status != MeetingStatus.PLANNED
    ]
    result = [
        Listing(
            item=item,
            meeting=meeting,
            heard=agenda.heard(item, meeting),
            meeting_visible=meeting.id in visible,
            shows_discussion=access.runs_meeting(user, meeting),
        )
        for item, meeting in rows
    ]
    if details:
        _add_referrals(result, user)
        _add_actions(result, case, user)
        _add_research(result, user)
    return result


def _add_referrals(result, user):
    ids = {entry.item.referral_id for entry in result if entry.item.referral_id}
    if not ids:
        return
    referrals = {r.id: r for r in db.session.scalars(sa.select(Referral).where(Referral.id.in_(ids)))}
    repeat_ids = {r.repeat_of_id for r in referrals.values() if r.is_repeat and r.repeat_of_id}
    if repeat_ids:
        referrals.update({r.id: r for r in db.session.scalars(sa.select(Referral).where(Referral.id.in_(repeat_ids)))})
    seen = set(
        db.session.scalars(sa.select(Referral.id).where(Referral.id.in_(referrals), access.visible_referrals(user)))
    )
    for entry in result:
        referral = referrals.get(entry.item.referral_id)
        if referral is None:
            continue
        entry.referral, entry.referral_visible = referral, referral.id in seen
        if referral.is_repeat and referral.repeat_of_id in referrals:
            entry.repeat_of = referrals[referral.repeat_of_id]
            entry.repeat_of_visible = entry.repeat_of.id in seen


def _add_actions(result, case, user):
    by_meeting = {}
    for action in db.session.scalars(
        sa.select(Action)
        .where(Action.case_id == case.id, Action.meeting_id.is_not(None), access.visible_actions(user))
        .options(selectinload(Action.owner_agency))
        .order_by(Action.due_on, Action.id)
    ):
        by_meeting.setdefault(action.meeting_id, []).append(action)
    today = uk_today()
    for entry in result:
        entry.actions = by_meeting.get(entry.meeting.id, [])
        entry.overdue_ids = {action.id for action in entry.actions if actions.is_overdue(action, today)}


def _add_research(result, user):
    """Those who run a meeting see every agency's research for it; an agency its own (as the
    research grid and the agency's answer page show them)."""
    item_ids = [entry.item.id for entry in result]
    run_item_ids = [entry.item.id for entry in result if entry.shows_discussion]
    may_see = sa.or_(ResearchRequest.agenda_item_id.in_(run_item_ids), access.own_research(user))
    by_item = {}
    for research in db.session.scalars(
        sa.select(ResearchRequest)
        .where(ResearchRequest.agenda_item_id.in_(item_ids), may_see)
        .options(selectinload(ResearchRequest.agency))
    ):
        by_item.setdefault(research.agenda_item_id, []).append(research)
    for entry in result:
        entry.research = sorted(by_item.get(entry.item.id, []), key=lambda r: r.agency.name)


@dataclass
class CaseAction:
    action: Action
    overdue: bool
    history: list  # ActionUpdate, newest first
    last_update: ActionUpdate | None


def case_actions(case, user, today=None):
    """Every action of the case the user may see (access.visible_actions: an agency's own only),
    across meetings: open ones first (soonest due first), then the ended ones, latest due first;
    each with its history. Three queries however many actions."""
    today = today or uk_today()
    rows = db.session.scalars(
        sa.select(Action)
        .where(Action.case_id == case.id, access.visible_actions(user))
        .options(selectinload(Action.owner_agency))
    ).all()
    updates = {}
    if rows:
        for update in db.session.scalars(
            sa.select(ActionUpdate)
            .where(ActionUpdate.action_id.in_([a.id for a in rows]))
            .order_by(ActionUpdate.at.desc(), ActionUpdate.id.desc())
        ):
            updates.setdefault(update.action_id, []).append(update)
    open_rows = sorted((a for a in rows if a.status in OPEN_STATUSES), key=lambda a: (a.due_on, a.id))
    ended = sorted((a for a in rows if a.status not in OPEN_STATUSES), key=lambda a: (a.due_on, a.id), reverse=True)
    return [
        CaseAction(
            action=action,
            overdue=actions.is_overdue(action, today),
            history=updates.get(action.id, []),
            last_update=(updates.get(action.id) or [None])[0],
        )
        for action in open_rows + ended
    ]


def meeting_days(meeting_ids):
    """{meeting id: starts_at} for naming the meeting an action was agreed at."""
    if not meeting_ids:
        return {}
    return dict(db.session.execute(sa.select(Meeting.id, Meeting.starts_at).where(Meeting.id.in_(meeting_ids))).all())
