"""Meetings: scheduling, publishing the case list, research, the meeting itself and minutes."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import selectinload

from marac.services import agenda, caseload, workdays
from marac.services.notifications import notify_user
from models import (
    Action,
    AgendaItem,
    Attendance,
    Case,
    Meeting,
    MeetingCadence,
    MeetingStatus,
    Referral,
    Reminder,
    ResearchRequest,
    ResearchStatus,
    Role,
    User,
    db,
)
from models.base import insert_if_absent
from models.clock import UK, uk_date, utcnow
from models.meetings import meeting_agencies
from models.users import UserRole, user_areas

MINUTES_TARGET_WORKING_DAYS = 3


def meeting_days(first_day, cadence, count):
    """`count` meeting days from `first_day`: every week, every other week, or monthly on the same
    weekday of the month (the first Wednesday, the third Thursday...), as MARACs meet."""
    if cadence == MeetingCadence.MONTHLY:
        nth = (first_day.day - 1) // 7 + 1  # 1st..5th weekday of its kind in the month
        weekday = first_day.weekday()
        days = []
        for index in range(count):
            month_start = (first_day + relativedelta(months=index)).replace(day=1)
            # The 5th such weekday does not exist in every month: use the last one then.
            day = month_start + relativedelta(weekday=weekday) + relativedelta(weeks=min(nth, 4) - 1)
            if nth == 5 and (day + timedelta(weeks=1)).month == month_start.month:
                day += timedelta(weeks=1)
            days.append(day)
        return days
    step = timedelta(weeks=1 if cadence == MeetingCadence.WEEKLY else 2)
    return [first_day + step * index for index in range(count)]


def schedule(area, *, first_day, start_time, count, length_minutes, venue, online_link, chair_id, cut_off_days):
    """Create `count` meetings from `first_day` at the area's cadence, each inviting the area's
    agencies, with a referral cut-off `cut_off_days` before."""
    agencies = [agency for agency in area.agencies if agency.is_active]
    made = []
    for day in meeting_days(first_day, MeetingCadence(area.meeting_cadence), count):
        meeting = Meeting(
            area_id=area.id,
            starts_at=datetime.combine(day, start_time, tzinfo=UK),
            length_minutes=length_minutes,
            venue=venue or None,
            online_link=online_link or None,
            chair_id=chair_id or None,
            referral_cut_off=day - timedelta(days=cut_off_days),
            invited_agencies=list(agencies),
        )
        db.session.add(meeting)
        made.append(meeting)
    return made


def chairs(area_ids):
    """Who may chair a meeting of these areas: the active users with the chair role working in
    one of them, by name. [(id, name)]"""
    return db.session.execute(
        sa.select(User.id, User.name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.CHAIR,
            User.is_active,
            sa.exists().where(user_areas.c.user_id == User.id, user_areas.c.area_id.in_(list(area_ids))),
        )
        .order_by(User.name)
    ).all()


def latest_first(where):
    """A select of the meetings within `where`, latest first, with their area."""
    return (
        sa.select(Meeting)
        .where(where)
        .options(selectinload(Meeting.area))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )


def listable_case(meeting, case_id):
    """The case, if it may go on this meeting's list by hand: a case of the meeting's area."""
    case = db.session.get(Case, case_id) if case_id else None
    return case if case is not None and case.area_id == meeting.area_id else None


def action_owners(meeting):
    """The agencies that may own an action agreed at this meeting: those invited and still in
    use, and the area's agencies in use now (one added after the meeting was scheduled)."""
    agencies = {agency.id: agency for agency in meeting.invited_agencies if agency.is_active}
    agencies.update((agency.id, agency) for agency in meeting.area.agencies if agency.is_active)
    return sorted(agencies.values(), key=lambda agency: agency.name)


def invite(meeting, agency_id):
    """An agency given an action at the meeting is invited to it, if it was not already: so it
    sees the case list and has its actions as a paper. Safe when two requests do it at once."""
    if not meeting.invites(agency_id):
        insert_if_absent(meeting_agencies, meeting_id=meeting.id, agency_id=agency_id)
        db.session.expire(meeting, ["invited_agencies"])


def next_meeting_day(area, after):
    """The next day a meeting would fall on, going on from the area's last scheduled meeting."""
    last = db.session.scalar(sa.select(sa.func.max(Meeting.starts_at)).where(Meeting.area_id == area.id))
    if last is None:
        return after + timedelta(days=7)
    return meeting_days(uk_date(last), MeetingCadence(area.meeting_cadence), 2)[1]


def reps_of(agency_ids, area_id):
    """Active agency representatives and IDVAs of these agencies who work in this area."""
    if not agency_ids:
        return []
    return db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.agency_id.in_(list(agency_ids)),
            User.is_active,
            UserRole.role.in_([Role.AGENCY_REP, Role.IDVA, Role.IDVA_MANAGER]),
            sa.exists().where(user_areas.c.user_id == User.id, user_areas.c.area_id == area_id),
        )
        .distinct()
    ).all()


def _request_research(meeting, listed):
    """A research request from each invited agency for each listed case (idempotent)."""
    have = set(
        db.session.execute(
            sa.select(ResearchRequest.agenda_item_id, ResearchRequest.agency_id)
            .join(AgendaItem, AgendaItem.id == ResearchRequest.agenda_item_id)
            .where(AgendaItem.meeting_id == meeting.id)
        ).all()
    )
    for item in listed:
        for agency in meeting.invited_agencies:
            if (item.id, agency.id) not in have:
                db.session.add(ResearchRequest(agenda_item_id=item.id, agency_id=agency.id))


def publish(meeting, title):
    """Publish the case list: research requests to every invited agency, reminders for the
    scheduler, and a notification to each agency's representatives."""
    listed = agenda.items(meeting.id)
    db.session.flush()
    _request_research(meeting, listed)
    meeting.status = MeetingStatus.LIST_PUBLISHED
    meeting.list_published_at = utcnow()
    due = agenda.research_due_at(meeting)
    for agency in meeting.invited_agencies:
        db.session.add(Reminder(kind="research", due_at=due, meeting_id=meeting.id, agency_id=agency.id))
    for user in reps_of([agency.id for agency in meeting.invited_agencies], meeting.area_id):
        notify_user(
            user.id,
            f"The case list for the {title} is published: {len(listed)} cases to research",
            f"/meetings/{meeting.id}",
        )


def publish_problem(meeting):
    """Why the case list cannot be published now, else None."""
    if meeting.status != MeetingStatus.PLANNED:
        return "The case list is already published."
    if not agenda.items(meeting.id):
        return "Build the case list before publishing it."
    return None


def after_list_change(meeting):
    """Cases added after publishing are researched too."""
    if meeting.status != MeetingStatus.PLANNED:
        db.session.flush()
        _request_research(meeting, agenda.items(meeting.id))


def agency_research(agency_id, listed):
    """{agenda item id: ResearchRequest} of one agency, for these listed cases."""
    return {
        request.agenda_item_id: request
        for request in db.session.scalars(
            sa.select(ResearchRequest).where(
                ResearchRequest.agency_id == agency_id,
                ResearchRequest.agenda_item_id.in_([item.id for item in listed]),
            )
        )
    }


def research_request(item, agency_id):
    """The agency's research request for this listed case, else None."""
    return db.session.scalar(sa.select(ResearchRequest).filter_by(agenda_item_id=item.id, agency_id=agency_id))


def research_grid(meeting, listed):
    """{(agenda item id, agency id): ResearchRequest} for the coordinator's grid."""
    requests = db.session.scalars(
        sa.select(ResearchRequest).where(ResearchRequest.agenda_item_id.in_([item.id for item in listed]))
    ).all()
    return {(request.agenda_item_id, request.agency_id): request for request in requests}


def answer_research(request, user, *, nothing_known, facts="", opinion=""):
    """The agency's answer. "Nothing known" (one click, no version carried) only answers a request
    not answered yet: it never wipes facts sent already, nor answers twice (a double click).
    Returns whether the answer was recorded."""
    if nothing_known and request.status != ResearchStatus.REQUESTED:
        return False
    request.status = ResearchStatus.NOTHING_KNOWN if nothing_known else ResearchStatus.SUBMITTED
    request.facts = None if nothing_known else (facts or "").strip() or None
    request.opinion = None if nothing_known else (opinion or "").strip() or None
    request.answered_by_id = user.id
    request.answered_at = utcnow()
    return True


def record_attendance(meeting, rows):
    """rows: {agency_id: (present, person name, signed the confidentiality statement)}."""
    existing = {
        row.agency_id: row for row in db.session.scalars(sa.select(Attendance).filter_by(meeting_id=meeting.id))
    }
    for agency_id, (present, person, signed) in rows.items():
        row = existing.get(agency_id) or Attendance(meeting_id=meeting.id, agency_id=agency_id)
        row.is_present, row.person_name, row.has_signed_confidentiality = (
            present,
            (person or "").strip() or None,
            signed,
        )
        db.session.add(row)


def attendance(meeting):
    rows = {row.agency_id: row for row in db.session.scalars(sa.select(Attendance).filter_by(meeting_id=meeting.id))}
    return [(agency, rows.get(agency.id)) for agency in meeting.invited_agencies]


def save_discussion(item, discussion, risk_after):
    item.discussion = (discussion or "").strip() or None
    item.risk_after = risk_after or None
    item.discussed_at = utcnow()


def may_be_held(meeting):
    """A meeting is held once, before its minutes are approved."""
    return meeting.status in (MeetingStatus.PLANNED, MeetingStatus.LIST_PUBLISHED)


def awaits_approval(meeting):
    return meeting.status == MeetingStatus.HELD


def awaits_sending(meeting):
    return meeting.status == MeetingStatus.MINUTES_APPROVED


def mark_held(meeting):
    meeting.status = MeetingStatus.HELD
    meeting.held_at = utcnow()
    # Each case heard: a task for its IDVA to give the victim feedback within the target.
    caseload.create_feedback_tasks(meeting)


def approve_minutes(meeting, chair):
    meeting.status = MeetingStatus.MINUTES_APPROVED
    meeting.minutes_approved_at = utcnow()
    meeting.minutes_approved_by_id = chair.id


def send_minutes(meeting, title):
    """Minutes go to the agencies that attended (a notification; the papers stay in the app)."""
    meeting.status = MeetingStatus.MINUTES_SENT
    meeting.minutes_sent_at = utcnow()
    present = [
        row.agency_id
        for row in db.session.scalars(sa.select(Attendance).filter_by(meeting_id=meeting.id, is_present=True))
    ]
    for user in reps_of(present, meeting.area_id):
        notify_user(user.id, f"The minutes of the {title} have been sent", f"/meetings/{meeting.id}")


def minutes_turnaround(meeting):
    """(working days from the meeting to minutes sent, within the 3-day target) or None."""
    if not meeting.minutes_sent_at:
        return None
    days = workdays.working_days_between(uk_date(meeting.starts_at), uk_date(meeting.minutes_sent_at))
    return days, days <= MINUTES_TARGET_WORKING_DAYS


def title(meeting):
    """'MARAC meeting, Thursday 3 December 2026 at 10:00am' (UK time)."""
    local = meeting.starts_at.astimezone(UK)
    hour = local.hour % 12 or 12
    return (
        f"MARAC meeting, {local:%A} {local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
    )


def ics(meeting, area_name, url):
    """An iCalendar invite with no personal data: the area, the time, the place and a link."""

    def stamp(value):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def text(value):
        return (value or "").replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,").replace("\n", r"\n")

    ends = meeting.starts_at + timedelta(minutes=meeting.length_minutes)
    location = meeting.venue or meeting.online_link or ""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MARAC//Meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:marac-meeting-{meeting.id}@marac",
        f"DTSTAMP:{stamp(utcnow())}",
        f"DTSTART:{stamp(meeting.starts_at)}",
        f"DTEND:{stamp(ends)}",
        f"SUMMARY:{text('MARAC meeting: ' + area_name)}",
        f"LOCATION:{text(location)}",
        f"DESCRIPTION:{text('OFFICIAL-SENSITIVE. The case list is in the MARAC app: ' + url)}",
        "CLASS:CONFIDENTIAL",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def repeat_referral_ids(listed):
    """Of the listed cases' referrals, those flagged as repeats."""
    referral_ids = [item.referral_id for item in listed if item.referral_id]
    if not referral_ids:
        return set()
    return set(db.session.scalars(sa.select(Referral.id).where(Referral.id.in_(referral_ids), Referral.is_repeat)))


def agencies_with_actions(meeting):
    """The invited agencies that own actions agreed at this meeting: one actions paper each."""
    owners = set(db.session.scalars(sa.select(Action.owner_agency_id).where(Action.meeting_id == meeting.id)))
    return [agency for agency in meeting.invited_agencies if agency.id in owners]
