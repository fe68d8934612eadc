"""The meeting's case list in the recommended order (SafeLives): incomplete actions from the last
meeting; new cases with children (so children's agencies can leave early); adult-only cases;
cases whose 12 months since the last MARAC have passed; any other business.

A coordinator's moves and additions are kept when the list is rebuilt; new cases join the end
of their section. Nothing here reads a case's risk level: a newer, lower result (a police DARA
after a high DASH) never takes a listed case off; only the coordinator removes one, with a reason.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import repeats
from models import (
    Action,
    AgendaItem,
    AgendaSection,
    CaseChild,
    Meeting,
    MeetingStatus,
    Referral,
    ReferralStatus,
    db,
)
from models.actions import OPEN_STATUSES
from models.clock import UK, uk_date, utcnow
from models.meetings import AGENDA_ORDER

DEFAULT_MINUTES = 10


# Each section's place in the order (sections are text enums: the stored text finds its rank).
SECTION_RANK = {section: rank for rank, section in enumerate(AGENDA_ORDER)}


def _section_rank(section):
    return SECTION_RANK[section]


def previous_meeting(meeting):
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.area_id == meeting.area_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.status.in_([MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_SENT]),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def candidates(meeting):
    """{case_id: (section, referral_id)} of the cases that belong on this meeting's list."""
    found = {}
    meeting_day = uk_date(meeting.starts_at)

    # Cases with actions still open from the last meeting.
    if last := previous_meeting(meeting):
        open_cases = db.session.scalars(
            sa.select(Action.case_id).where(Action.meeting_id == last.id, Action.status.in_(OPEN_STATUSES)).distinct()
        )
        for case_id in open_cases:
            found[case_id] = (AgendaSection.INCOMPLETE_ACTIONS, None)

    # Accepted referrals received by the cut-off and not yet heard at a meeting.
    # Correlated, so each referral is looked up in agenda_items by its index: "NOT IN (all heard
    # referrals)" read every agenda item of every area.
    heard = sa.exists().where(
        AgendaItem.referral_id == Referral.id, AgendaItem.removed_at.is_(None), AgendaItem.meeting_id != meeting.id
    )
    has_children = sa.exists().where(CaseChild.case_id == Referral.case_id)
    rows = db.session.execute(
        sa.select(Referral.id, Referral.case_id, has_children.label("has_children"))
        .where(
            Referral.area_id == meeting.area_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.referred_on <= meeting.referral_cut_off,
            ~heard,
        )
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    for referral_id, case_id, children in rows:
        found[case_id] = (AgendaSection.CHILDREN if children else AgendaSection.ADULTS, referral_id)

    # Heard cases whose 12 months have passed since the last meeting (or the last four weeks).
    since = uk_date(last.starts_at) if last else meeting_day - timedelta(weeks=4)
    for case, _last_on in repeats.twelve_months_passed(meeting.area_id, meeting_day, since):
        found.setdefault(case.id, (AgendaSection.TWELVE_MONTHS, None))
    return found


def items(meeting_id, *, include_removed=False, with_cases=False):
    """The meeting's list in order; `with_cases`: each item's case read with it (a page showing
    every case's reference), not one statement per case."""
    query = sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    if with_cases:
        query = query.options(selectinload(AgendaItem.case))
    if not include_removed:
        query = query.where(AgendaItem.removed_at.is_(None))
    return db.session.scalars(query).all()


def listed_item(meeting, item_id):
    """The item of this meeting's list (not taken off it), else None."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id or item.removed_at is not None:
        return None
    return item


def case_counts(meeting_ids):
    """{meeting id: cases on its list} in one query."""
    if not meeting_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(AgendaItem.meeting_id, sa.func.count(AgendaItem.id))
            .where(AgendaItem.meeting_id.in_(meeting_ids), AgendaItem.removed_at.is_(None))
            .group_by(AgendaItem.meeting_id)
        ).all()
    )


def build(meeting):
    """Add the cases that belong on the list; keep everything the coordinator placed or removed.

    Returns how many cases were added.
    """
    existing = {item.case_id: item for item in items(meeting.id, include_removed=True)}
    listed = [item for item in existing.values() if item.removed_at is None]
    listed.sort(key=lambda item: item.position)
    added = []
    for case_id, (section, referral_id) in candidates(meeting).items():
        if case_id in existing:
            continue
        item = AgendaItem(
            meeting_id=meeting.id,
            case_id=case_id,
            referral_id=referral_id,
            section=section,
            position=0,
            planned_minutes=DEFAULT_MINUTES,
        )
        _insert_in_section(listed, item)
        added.append(item)
    _number(listed)
    if added:
        # One INSERT for them all: through the session, SQLite would take one each (it cannot
        # return new ids in order, so SQLAlchemy does not batch them there).
        columns = ("meeting_id", "case_id", "referral_id", "section", "position", "planned_minutes")
        db.session.execute(
            sa.insert(AgendaItem), [{column: getattr(item, column) for column in columns} for item in added]
        )
    return len(added)


def _insert_in_section(listed, item):
    """After the last item whose section comes no later than the new item's."""
    rank = _section_rank(item.section)
    index = 0
    for position, other in enumerate(listed):
        if _section_rank(other.section) <= rank:
            index = position + 1
    listed.insert(index, item)


def _number(listed):
    for position, item in enumerate(listed, start=1):
        item.position = position


def move(meeting, item, direction):
    """Swap a case with its neighbour above (-1) or below (+1). A hand placement, kept on rebuild."""
    listed = items(meeting.id)
    index = next(i for i, other in enumerate(listed) if other.id == item.id)
    target = index + direction
    if not 0 <= target < len(listed):
        return False
    listed[index], listed[target] = listed[target], listed[index]
    item.is_placed_by_hand = True
    _number(listed)
    return True


def add_by_hand(meeting, case, section, reason):
    existing = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=meeting.id, case_id=case.id))
    listed = items(meeting.id)
    if existing is not None:
        if existing.removed_at is None:
            return None
        existing.removed_at, existing.removed_reason = None, None
        item = existing
    else:
        item = AgendaItem(meeting_id=meeting.id, case_id=case.id, planned_minutes=DEFAULT_MINUTES, position=0)
        db.session.add(item)
    item.section, item.added_reason, item.is_placed_by_hand = section, reason, True
    _insert_in_section(listed, item)
    _number(listed)
    return item


def remove(meeting, item, reason):
    item.removed_at = utcnow()
    item.removed_reason = reason
    _number([other for other in items(meeting.id) if other.id != item.id])


def plan_minutes(listed, planned):
    """Each item's planned minutes ({item id: minutes}, checked by PlannedMinutesForm; an item
    not in it is left as it is)."""
    for item in listed:
        minutes = planned.get(item.id)
        if minutes is not None and minutes != item.planned_minutes:
            item.planned_minutes = minutes


def timing(listed, meeting):
    """(total planned minutes, the meeting's length, minutes over)."""
    total = sum(item.planned_minutes for item in listed)
    return total, meeting.length_minutes, max(total - meeting.length_minutes, 0)


def grouped(listed):
    """[(section, [items])]: runs of consecutive items of one section, in list order. A case moved
    by hand shows where the coordinator put it, under its own section's heading."""
    groups = []
    for item in listed:
        if groups and groups[-1][0] == item.section:
            groups[-1][1].append(item)
        else:
            groups.append((item.section, [item]))
    return groups


def research_due_at(meeting):
    """Research reminders go two days before the meeting, at 9am UK time."""
    local = meeting.starts_at.astimezone(UK) - timedelta(days=2)
    return local.replace(hour=9, minute=0, second=0, microsecond=0)
