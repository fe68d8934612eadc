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
    Meeting,
    MeetingCadence,
    MeetingStatus,
    MinutesEntry,
    MinutesVersion,
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
    return step_problem(meeting, MeetingStatus.LIST_PUBLISHED)


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
    """The notes and the risk after discussion, if they changed (meeting mode sends them with every
    button): True if they did."""
    discussion, risk_after = (discussion or "").strip() or None, risk_after or None
    if (item.discussion, item.risk_after) == (discussion, risk_after) and item.discussed_at:
        return False
    item.discussion, item.risk_after = discussion, risk_after
    item.discussed_at = utcnow()
    return True


# A meeting's steps, in the one order it takes them.
STEPS = (
    MeetingStatus.PLANNED,
    MeetingStatus.LIST_PUBLISHED,
    MeetingStatus.HELD,
    MeetingStatus.MINUTES_APPROVED,
    MeetingStatus.MINUTES_SENT,
)
HELD_STATUSES = agenda.HELD_STATUSES
DONE_ALREADY = {
    MeetingStatus.LIST_PUBLISHED: "The case list is already published.",
    MeetingStatus.HELD: "The meeting is already recorded as held.",
    MeetingStatus.MINUTES_APPROVED: "The minutes are already approved.",
    MeetingStatus.MINUTES_SENT: "The minutes are already sent.",
}


def step_problem(meeting, to):
    """The one rule of a meeting's steps: scheduled → list published → held → minutes approved →
    minutes sent, each from the one before. Why the meeting cannot take the step to `to` now, else
    None. Callers hold the meeting's row (versions.lock), so two clicks take the step once."""
    at, to = STEPS.index(meeting.status), STEPS.index(to)
    if at >= to:
        return DONE_ALREADY[STEPS[to]]
    if at + 1 < to:
        return f"The meeting is at “{STEPS[at].label}”: it must be “{STEPS[to - 1].label}” first."
    if STEPS[to] == MeetingStatus.LIST_PUBLISHED and not agenda.items(meeting.id):
        return "Build the case list before publishing it."
    if STEPS[to] == MeetingStatus.HELD and utcnow() < meeting.starts_at:
        return f"The meeting cannot be recorded as held before it starts: {title(meeting)}."
    return None


def list_locked(meeting):
    """Why the case list cannot be changed, else None: from "held" on it is the list the meeting
    heard (no move, addition or removal)."""
    if meeting.status in HELD_STATUSES:
        return "The meeting has been held: its case list can no longer be changed."
    return None


def minutes_locked(meeting):
    """Why the meeting's record (notes, risk, actions agreed, attendance) cannot be changed, else
    None: once the chair has approved the minutes, they are what was approved and sent, until a
    correction is started (and then until the chair approves it)."""
    correction = open_correction(meeting)
    if correction is not None and correction.approved_at is None:
        return None
    if meeting.status in (MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_SENT):
        return "The minutes have been approved: the meeting's record can no longer be changed."
    return None


def may_be_held(meeting):
    return step_problem(meeting, MeetingStatus.HELD) is None


def awaits_approval(meeting):
    """The minutes, or a correction of them, wait for the chair's approval."""
    return approval_problem(meeting) is None


def awaits_sending(meeting):
    return sending_problem(meeting) is None


def approval_problem(meeting):
    if correction := open_correction(meeting):
        return None if correction.approved_at is None else "The correction is already approved."
    return step_problem(meeting, MeetingStatus.MINUTES_APPROVED)


def sending_problem(meeting):
    if correction := open_correction(meeting):
        return "The chair has not approved the correction yet." if correction.approved_at is None else None
    return step_problem(meeting, MeetingStatus.MINUTES_SENT)


def undiscussed(listed):
    """The listed cases with no discussion saved at the meeting."""
    return [item for item in listed if item.discussed_at is None]


def following_meeting(meeting):
    """The area's next meeting after this one whose list is still open, else None: where an
    undiscussed case is carried to."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.area_id == meeting.area_id,
            Meeting.starts_at > meeting.starts_at,
            Meeting.status.in_([MeetingStatus.PLANNED, MeetingStatus.LIST_PUBLISHED]),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def hold(meeting, outcomes, *, carry_to=None):
    """Record the meeting as held, each undiscussed case given its outcome first.

    outcomes: {agenda item id: (carry, reason)}: carried to `carry_to` (the following meeting, same
    section and referral, the reason saying where it came from), or taken off with the reason.
    Returns (carried, removed) counts.
    """
    carried = removed = 0
    listed = {item.id: item for item in agenda.items(meeting.id)}
    for item_id, (carry, reason) in outcomes.items():
        item = listed[item_id]
        if carry:
            day = uk_date(carry_to.starts_at)
            agenda.remove(meeting, item, f"Not discussed: carried to the meeting on {day:%-d %B %Y}")
            held_on = uk_date(meeting.starts_at)
            carried_item = agenda.add_by_hand(
                carry_to, item.case, item.section, f"Not discussed at the meeting on {held_on:%-d %B %Y}"
            )
            if carried_item is not None:
                carried_item.referral_id = item.referral_id
            carried += 1
        else:
            agenda.remove(meeting, item, f"Not discussed: {reason}")
            removed += 1
    if carried:
        after_list_change(carry_to)
    mark_held(meeting)
    return carried, removed


def mark_held(meeting):
    meeting.status = MeetingStatus.HELD
    meeting.held_at = utcnow()
    # Each case heard: a task for its IDVA to give the victim feedback within the target.
    caseload.create_feedback_tasks(meeting)


def approve_minutes(meeting, chair):
    """The chair approves the minutes, or the correction of them under way."""
    if correction := open_correction(meeting):
        correction.approved_by_id, correction.approved_at = chair.id, utcnow()
        return
    meeting.status = MeetingStatus.MINUTES_APPROVED
    meeting.minutes_approved_at = utcnow()
    meeting.minutes_approved_by_id = chair.id


def send_minutes(meeting, title):
    """Minutes go to the agencies that attended (a notification; the papers stay in the app); a
    correction goes to them again, named as the version it is."""
    if correction := open_correction(meeting):
        correction.sent_at = utcnow()
        message = f"Corrected minutes (version {correction.number}) of the {title} have been sent"
    else:
        meeting.status = MeetingStatus.MINUTES_SENT
        meeting.minutes_sent_at = utcnow()
        message = f"The minutes of the {title} have been sent"
    present = [
        row.agency_id
        for row in db.session.scalars(sa.select(Attendance).filter_by(meeting_id=meeting.id, is_present=True))
    ]
    for user in reps_of(present, meeting.area_id):
        notify_user(user.id, message, f"/meetings/{meeting.id}")


def minutes_versions(meeting):
    """The meeting's versions of its minutes, oldest first: none until a first correction."""
    if meeting.status != MeetingStatus.MINUTES_SENT:
        return []
    return db.session.scalars(
        sa.select(MinutesVersion).filter_by(meeting_id=meeting.id).order_by(MinutesVersion.number)
    ).all()


def open_correction(meeting):
    """The correction of the minutes started and not yet sent, else None."""
    if meeting.status != MeetingStatus.MINUTES_SENT:
        return None
    return db.session.scalar(
        sa.select(MinutesVersion).filter_by(meeting_id=meeting.id, sent_at=None).order_by(MinutesVersion.number)
    )


def correction_problem(meeting):
    """Why a correction of the minutes cannot be started now, else None."""
    if meeting.status != MeetingStatus.MINUTES_SENT:
        return "Minutes can be corrected once they have been sent."
    if correction := open_correction(meeting):
        return f"A correction of the minutes (version {correction.number}) is already under way."
    return None


def start_correction(meeting, user, reason):
    """A new version of sent minutes: what the version sent last said of each case is kept, and
    the meeting's record opens again for the correction. Returns the new version."""
    versions = minutes_versions(meeting)
    if not versions:  # the first sending, as a version of its own
        versions = [
            MinutesVersion(
                meeting_id=meeting.id,
                number=1,
                approved_by_id=meeting.minutes_approved_by_id,
                approved_at=meeting.minutes_approved_at,
                sent_at=meeting.minutes_sent_at,
            )
        ]
        db.session.add(versions[0])
        db.session.flush()
    latest = versions[-1]
    db.session.add_all(
        MinutesEntry(
            version_id=latest.id, agenda_item_id=item.id, discussion=item.discussion, risk_after=item.risk_after
        )
        for item in agenda.items(meeting.id)
    )
    correction = MinutesVersion(
        meeting_id=meeting.id, number=latest.number + 1, reason=reason, started_by_id=user.id, started_at=utcnow()
    )
    db.session.add(correction)
    db.session.flush()
    return correction


def minutes_version(meeting, number):
    """(version, [(agenda item, discussion, risk after)]) of one version of the minutes, else None.
    The newest version's text is the meeting's own; an earlier one's as it was kept."""
    versions = minutes_versions(meeting)
    version = next((version for version in versions if version.number == number), None)
    if version is None:
        return None
    listed = agenda.items(meeting.id)
    if version is versions[-1]:
        return version, [(item, item.discussion, item.risk_after) for item in listed]
    kept = {
        entry.agenda_item_id: entry
        for entry in db.session.scalars(sa.select(MinutesEntry).filter_by(version_id=version.id))
    }
    return version, [(item, kept[item.id].discussion, kept[item.id].risk_after) for item in listed if item.id in kept]


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
