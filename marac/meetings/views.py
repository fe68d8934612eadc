"""MARAC meetings (/meetings): the list, scheduling, and a meeting's page. The case list, research,
meeting mode and papers have modules of their own beside this one."""

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.common import choices
from forms.meetings import ScheduleForm
from marac.meetings import bp
from marac.meetings.common import meeting_or_404
from marac.security import audit, form_tokens
from marac.services import access, agenda, dashboard, meeting_papers, meetings
from marac.services.areas import user_area, user_areas
from marac.services.text import plural
from models import Meeting, db
from models.clock import uk_today, utcnow


@bp.route("/")
def meeting_list():
    query = meetings.latest_first(access.visible_meetings(current_user))
    # From the chair's home page: the meetings whose minutes wait for their approval.
    waiting = request.args.get("waiting") == "approval"
    if waiting:
        query = query.where(dashboard.waiting_for_approval(current_user))
    rows = db.session.scalars(query.options(selectinload(Meeting.chair)).limit(100)).all()
    now = utcnow()
    upcoming = sorted((m for m in rows if m.starts_at >= now), key=lambda m: m.starts_at)
    past = [m for m in rows if m.starts_at < now]
    return render_template("meetings/list.html", upcoming=upcoming, past=past, title=meetings.title, waiting=waiting)


@bp.route("/schedule", methods=["GET", "POST"])
@form_tokens.once
def schedule():
    form = ScheduleForm(count=6, length_minutes=180, cut_off_days=7, start_time="10:00")
    areas = user_areas(current_user)
    form.area_id.choices = choices([(0, "Select the area")] + [(area.id, area.name) for area in areas])
    form.chair_id.choices = choices([(0, "Not chosen yet")] + meetings.chairs([area.id for area in areas]))
    if request.method == "GET" and len(areas) >= 1:
        form.area_id.data = form.area_id.data or areas[0].id
        form.first_day.data = meetings.next_meeting_day(areas[0], uk_today())
    if form.validate_on_submit() and _chair_of_area(form):
        area = user_area(current_user, form.area_id.data)
        hours, minutes = (int(part) for part in form.start_time.data.split(":"))
        made = meetings.schedule(
            area,
            first_day=form.first_day.data,
            start_time=time(hours, minutes),
            count=form.count.data,
            length_minutes=form.length_minutes.data,
            venue=form.venue.data,
            online_link=form.online_link.data,
            chair_id=form.chair_id.data,
            cut_off_days=form.cut_off_days.data,
        )
        db.session.flush()
        audit("meetings.scheduled", record_type="area", record_id=area.id, count=len(made))
        flash(f"{plural(len(made), 'meeting')} created.", "success")
        return form_tokens.made(redirect(url_for("meetings.meeting_list")))
    return render_template("meetings/schedule.html", form=form)


def _chair_of_area(form):
    """The area is one of the user's (403 if not), and the chair chosen, if any, works in it."""
    area = user_area(current_user, form.area_id.data)
    if area is None:
        abort(403)
    if form.chair_id.data and form.chair_id.data not in dict(meetings.chairs([area.id])):
        form.chair_id.errors.append("Select a chair who works in the meeting's area, or not chosen yet")
        return False
    return True


@bp.route("/<int:meeting_id>")
def meeting_view(meeting_id):
    return meeting_page(meeting_or_404(meeting_id))


def meeting_page(meeting, *, minutes_form=None, status=200):
    """A meeting's page; with the planned minutes as they were sent when they were refused."""
    audit("meeting.viewed", record_type="meeting", record_id=meeting.id)
    db.session.commit()
    listed = agenda.items(meeting.id)
    manages = access.manages_meeting(current_user, meeting)
    runs = access.runs_meeting(current_user, meeting)
    researcher = access.researches_for(current_user, meeting) and not runs
    research = meetings.agency_research(current_user.agency_id, listed) if researcher else {}
    cases = meeting_papers.cases_with_people([item.case_id for item in listed])
    return render_template(
        "meetings/view.html",
        meeting=meeting,
        title=meetings.title(meeting),
        listed=listed,
        groups=agenda.grouped(listed),
        timing=agenda.timing(listed, meeting),
        manages=manages,
        runs=runs,
        researcher=researcher,
        research=research,
        cases=cases,
        turnaround=meetings.minutes_turnaround(meeting),
        facts=meeting_papers.listed_facts(listed),
        agency_papers=meetings.agencies_with_actions(meeting) if runs else [],
        may_be_held=meetings.may_be_held(meeting),
        list_locked=meetings.list_locked(meeting),
        record_locked=meetings.minutes_locked(meeting) if researcher else None,
        minutes_versions=meetings.minutes_versions(meeting) if runs else [],
        correction=meetings.open_correction(meeting),
        approves=access.approves_minutes(current_user, meeting) and meetings.awaits_approval(meeting),
        sends=manages and meetings.awaits_sending(meeting),
        minutes_form=minutes_form,
    ), status
