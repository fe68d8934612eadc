"""What meeting mode shows of the case being discussed, gathered in a fixed number of queries:
the risk (level, DASH score and route to MARAC), the referral (reasons, referring agency, repeat
of which referral), the people (perpetrators, serial ones flagged to coordinators, children with
their ages), who the victim fears and who must not be told, the IDVA, the victim's view, the
previous MARACs with their actions and how each ended, and the open actions."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import access, actions, assessments, meeting_papers, repeats, victim_views
from marac.services.caseload import allocation_summary, contacts_of
from marac.services.text import plural
from models import Action, ActionStatus, AgendaItem, Meeting, Referral, db
from models.actions import OPEN_STATUSES
from models.clock import uk_today
from models.meetings import MeetingStatus
from models.risk import RiskLevel

HELD = (MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_SENT)


@dataclass(frozen=True)
class PreviousMarac:
    meeting: Meeting
    item: AgendaItem
    actions: list
    ending: str  # how it ended: discussed or not, the risk after it, what became of its actions


def for_item(meeting, item, user, *, today=None):
    today = today or uk_today()
    case = meeting_papers.cases_with_people([item.case_id])[item.case_id]
    referral = _referral(item)
    repeat_of = db.session.get(Referral, referral.repeat_of_id) if referral and referral.repeat_of_id else None
    serial = set()
    if access.sees_case_audit(user, case):  # serial perpetrators are flagged to coordinators only
        serial = repeats.serial_perpetrator_ids([link.person_id for link in case.perpetrators])
    last_contact = next((contact.contacted_at for contact in contacts_of(case.id) if contact.is_contact), None)
    return {
        "case": case,
        # Who must not be told: shown where the case pages show it (access.sees_confidential_details).
        "sees_confidential": access.sees_confidential_details(user, case),
        "records_view": access.records_victim_view(user, case),
        "risk": assessments.current(case.id),
        "referral": referral,
        "repeat_of": repeat_of,
        "perpetrators": [(link, link.person_id in serial) for link in case.perpetrators],
        "children": [(link, link.person.age_on(today)) for link in case.children],
        "idva": allocation_summary(case.id),
        "last_contact": last_contact,
        "view": victim_views.latest([case.id]).get(case.id),
        "previous": previous_maracs(meeting, case.id, user),
        # Agreed in this discussion: meeting mode's own list, which it may still change.
        "agreed": actions.for_case(case.id, Action.agenda_item_id == item.id),
        "open_actions": actions.for_case(
            case.id,
            sa.and_(
                Action.status.in_(OPEN_STATUSES),
                sa.or_(Action.agenda_item_id.is_(None), Action.agenda_item_id != item.id),
                access.visible_actions(user),
            ),
        ),
    }


def _referral(item):
    """The referral that brought the case to this meeting, else the case's latest one."""
    query = sa.select(Referral).options(selectinload(Referral.referring_agency))
    if item.referral_id:
        return db.session.scalar(query.where(Referral.id == item.referral_id))
    return db.session.scalar(
        query.where(Referral.case_id == item.case_id, Referral.status.in_(repeats.COUNTED))
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(1)
    )


def previous_maracs(meeting, case_id, user):
    """The case's earlier meetings (newest first), each with its actions (those the user may see)
    and how it ended."""
    rows = db.session.execute(
        sa.select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id == case_id,
            AgendaItem.removed_at.is_(None),
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
    ).all()
    if not rows:
        return []
    agreed = {item.id: [] for item, _meeting in rows}
    for action in db.session.scalars(
        sa.select(Action)
        .where(Action.agenda_item_id.in_(list(agreed)), access.visible_actions(user))
        .options(selectinload(Action.owner_agency))
        .order_by(Action.due_on, Action.id)
    ):
        agreed[action.agenda_item_id].append(action)
    return [
        PreviousMarac(
            meeting=earlier, item=item, actions=agreed[item.id], ending=how_it_ended(earlier, item, agreed[item.id])
        )
        for item, earlier in rows
    ]


def how_it_ended(meeting, item, agreed):
    """'Discussed; risk after discussion high; 3 actions: 2 completed, 1 not done', or that the
    meeting is not held yet, or that the case was listed but not discussed."""
    if meeting.status not in HELD:
        return "Not held yet"
    if item.discussed_at is None:
        return "Listed but not discussed"
    parts = ["Discussed"]
    if item.risk_after:
        parts.append(f"risk after discussion {RiskLevel(item.risk_after).label.lower()}")
    if agreed:
        counts = {}
        for action in agreed:
            counts[action.status] = counts.get(action.status, 0) + 1
        # "Not possible: circumstances changed" is "not possible" here.
        done = ", ".join(
            f"{count} {ActionStatus(status).label.split(':')[0].lower()}" for status, count in counts.items()
        )
        parts.append(f"{plural(len(agreed), 'action')}: {done}")
    else:
        parts.append("no actions")
    return "; ".join(parts)
