"""The meeting's case list in the recommended order (SafeLives): incomplete actions from the last
meeting; new cases with children (so children's agencies can leave early); adult-only cases;
cases whose 12 months since the last MARAC have passed; any other business.

A coordinator's moves and additions are kept when the list is rebuilt; new cases join the end
of their section. Nothing here reads a case's risk level: a newer, lower result (a police DARA
after a high DASH) never takes a listed case off; only the coordinator removes one, with a reason.
"""

from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import repeats
from models import (
    Action,
    AgendaItem,
    AgendaSection,
    Case,
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


# A meeting recorded as held, whatever became of its minutes since.
HELD_STATUSES = (MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_SENT)


def discussed_at_held_meeting():
    """What "heard at MARAC" and "cases discussed" mean wherever they are counted: a WHERE clause
    on an AgendaItem joined to its Meeting. On the list of a meeting recorded as held, not taken
    off it, and discussed there (notes saved in meeting mode). A listed case that was not
    discussed was not heard."""
    return sa.and_(
        Meeting.status.in_(HELD_STATUSES), AgendaItem.removed_at.is_(None), AgendaItem.discussed_at.is_not(None)
    )


def heard(item, meeting):
    """discussed_at_held_meeting for one item already loaded with its meeting."""
    return meeting.status in HELD_STATUSES and item.removed_at is None and item.discussed_at is not None


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
            Meeting.status.in_(HELD_STATUSES),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


class Candidate(NamedTuple):
    """A case that belongs on a meeting's list: its section, the referral it is heard for (if
    any) and why it belongs there, in words."""

    section: str
    referral_id: int | None
    why: str


def _listed_elsewhere(meeting):
    """A referral on another meeting's list (not taken off): it is not listed twice. Correlated,
    so each referral is looked up in agenda_items by its index: "NOT IN (all listed referrals)"
    read every agenda item of every area."""
    return sa.exists().where(
        AgendaItem.referral_id == Referral.id, AgendaItem.removed_at.is_(None), AgendaItem.meeting_id != meeting.id
    )


def candidates(meeting):
    """{case_id: Candidate} of the cases that belong on this meeting's list."""
    found = {}
    meeting_day = uk_date(meeting.starts_at)

    # Cases with actions still open from the last meeting (unless a meeting still to be held has
    # them on its list: they are reviewed there).
    if last := previous_meeting(meeting):
        open_cases = db.session.scalars(
            sa.select(Action.case_id)
            .where(
                Action.meeting_id == last.id,
                Action.status.in_(OPEN_STATUSES),
                Action.case_id.not_in(_on_another_open_list(meeting)),
            )
            .distinct()
        )
        why = f"Actions still open from the meeting on {_day(uk_date(last.starts_at))}"
        for case_id in open_cases:
            found[case_id] = Candidate(AgendaSection.INCOMPLETE_ACTIONS, None, why)

    # Accepted referrals received by the cut-off and not yet listed at another meeting.
    has_children = sa.exists().where(CaseChild.case_id == Referral.case_id)
    rows = db.session.execute(
        sa.select(Referral.id, Referral.case_id, has_children.label("has_children"), Referral.referred_on)
        .where(
            Referral.area_id == meeting.area_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.referred_on <= meeting.referral_cut_off,
            ~_listed_elsewhere(meeting),
        )
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    cut_off = _day(meeting.referral_cut_off)
    for referral_id, case_id, children, referred_on in rows:
        section = AgendaSection.CHILDREN if children else AgendaSection.ADULTS
        why = f"Referral of {_day(referred_on)} accepted, by the cut-off of {cut_off}"
        found[case_id] = Candidate(section, referral_id, why)

    # Heard cases whose 12 months have passed since the last meeting (or the last four weeks).
    since = uk_date(last.starts_at) if last else meeting_day - timedelta(weeks=4)
    passed = repeats.twelve_months_passed(meeting.area_id, meeting_day, since)
    elsewhere = set(db.session.scalars(_on_another_open_list(meeting))) if passed else set()
    for case, last_on in passed:
        if case.id not in elsewhere:
            why = f"12 months have passed since its referral of {_day(last_on)}"
            found.setdefault(case.id, Candidate(AgendaSection.TWELVE_MONTHS, None, why))
    return found


def _on_another_open_list(meeting):
    """The cases on the list of another of the area's meetings still to be held: a case is not
    listed at two meetings at once."""
    return (
        sa.select(AgendaItem.case_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.area_id == meeting.area_id,
            Meeting.id != meeting.id,
            Meeting.status.in_([MeetingStatus.PLANNED, MeetingStatus.LIST_PUBLISHED]),
            AgendaItem.removed_at.is_(None),
        )
    )


def _day(day):
    return f"{day.day} {day:%B %Y}"


def meeting_for(area_id, referred_on):
    """The area's first meeting still to come whose cut-off takes a referral of this date, else
    None: the meeting an accepted referral goes to."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.area_id == area_id,
            Meeting.referral_cut_off >= referred_on,
            Meeting.status.in_([MeetingStatus.PLANNED, MeetingStatus.LIST_PUBLISHED]),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def left_out(meeting):
    """[(referral, the meeting it goes to or None)]: the area's accepted referrals received after
    this meeting's cut-off and listed nowhere, which a build leaves off."""
    referrals = db.session.scalars(
        sa.select(Referral)
        .where(
            Referral.area_id == meeting.area_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.referred_on > meeting.referral_cut_off,
            ~_listed_elsewhere(meeting),
            ~sa.exists().where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.case_id == Referral.case_id,
                AgendaItem.removed_at.is_(None),
            ),
        )
        .options(selectinload(Referral.case))
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    later = {}
    for referral in referrals:
        if referral.referred_on not in later:
            later[referral.referred_on] = meeting_for(meeting.area_id, referral.referred_on)
    return [(referral, later[referral.referred_on]) for referral in referrals]


def preview(meeting):
    """What a build would do, for the coordinator to confirm: (to add [(case, Candidate)], to move
    to the children section [item], left out [(referral, its meeting)])."""
    existing = {item.case_id: item for item in items(meeting.id, include_removed=True)}
    found = candidates(meeting)
    new = {case_id: candidate for case_id, candidate in found.items() if case_id not in existing}
    cases = {case.id: case for case in db.session.scalars(sa.select(Case).where(Case.id.in_(list(new))))}
    adding = [(cases[case_id], candidate) for case_id, candidate in new.items()]
    return adding, _moving_to_children(meeting, existing, found), left_out(meeting)


def _moving_to_children(meeting, existing, found):
    """Listed adult-only cases whose children have been added since: before the list is
    published, a build moves them to the children section (unless placed by hand)."""
    if meeting.status != MeetingStatus.PLANNED:
        return []
    return [
        item
        for case_id, item in existing.items()
        if item.removed_at is None
        and not item.is_placed_by_hand
        and item.section == AgendaSection.ADULTS
        and case_id in found
        and found[case_id].section == AgendaSection.CHILDREN
    ]


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


def build(meeting, case_ids=None):
    """Add the cases that belong on the list (of them, only `case_ids` when given: those the
    coordinator confirmed); keep everything the coordinator placed or removed; move a listed
    adult-only case whose children were added since to the children section (before publishing).

    Returns how many cases were added.
    """
    existing = {item.case_id: item for item in items(meeting.id, include_removed=True)}
    listed = [item for item in existing.values() if item.removed_at is None]
    listed.sort(key=lambda item: item.position)
    found = candidates(meeting)
    for item in _moving_to_children(meeting, existing, found):
        listed.remove(item)
        item.section = AgendaSection.CHILDREN
        _insert_in_section(listed, item)
    added = []
    for case_id, (section, referral_id, _why) in found.items():
        if case_id in existing or (case_ids is not None and case_id not in case_ids):
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
