"""MARAC meetings (/meetings): schedule, case list, research, meeting mode, minutes and papers."""

from datetime import time

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.actions import ActionForm
from forms.common import ConfirmForm, choices
from forms.meetings import AddCaseForm, DiscussionForm, RemoveCaseForm, ResearchForm, ScheduleForm
from marac.meetings import bp
from marac.security import audit, export_reason
from marac.services import access, actions, agenda, meeting_papers, meetings
from marac.services.text import plural
from models import (
    AgendaItem,
    Area,
    Case,
    Meeting,
    MeetingStatus,
    ResearchRequest,
    Role,
    User,
    db,
)
from models.clock import uk_date, uk_today, utcnow
from models.users import UserRole


def _meeting_or_404(meeting_id):
    meeting = access.get_visible_meeting(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _managed(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if not access.manages_meeting(current_user, meeting):
        abort(403)
    return meeting


def _run(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if not access.runs_meeting(current_user, meeting):
        abort(403)
    return meeting


def _item(meeting, item_id):
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id or item.removed_at is not None:
        abort(404)
    return item


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/")
def meeting_list():
    rows = db.session.scalars(
        sa.select(Meeting)
        .where(access.visible_meetings(current_user))
        .options(selectinload(Meeting.area), selectinload(Meeting.chair))
        .order_by(Meeting.starts_at.desc())
        .limit(100)
    ).all()
    now = utcnow()
    upcoming = sorted((m for m in rows if m.starts_at >= now), key=lambda m: m.starts_at)
    past = [m for m in rows if m.starts_at < now]
    return render_template("meetings/list.html", upcoming=upcoming, past=past, title=meetings.title)


@bp.route("/schedule", methods=["GET", "POST"])
def schedule():
    form = ScheduleForm(count=6, length_minutes=180, cut_off_days=7, start_time="10:00")
    areas = db.session.scalars(
        sa.select(Area).where(Area.id.in_(current_user.area_ids), Area.is_active).order_by(Area.name)
    ).all()
    form.area_id.choices = choices([(0, "Select the area")] + [(area.id, area.name) for area in areas])
    chairs = db.session.execute(
        sa.select(User.id, User.name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.CHAIR, User.is_active)
        .order_by(User.name)
    ).all()
    form.chair_id.choices = choices([(0, "Not chosen yet")] + [(row.id, row.name) for row in chairs])
    if request.method == "GET" and len(areas) >= 1:
        form.area_id.data = form.area_id.data or areas[0].id
        form.first_day.data = meetings.next_meeting_day(areas[0], uk_today())
    if form.validate_on_submit():
        area = db.session.get(Area, form.area_id.data)
        if area is None or area.id not in current_user.area_ids:
            abort(403)
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
        db.session.commit()
        flash(f"{plural(len(made), 'meeting')} created.", "success")
        return redirect(url_for("meetings.meeting_list"))
    return render_template("meetings/schedule.html", form=form)


@bp.route("/<int:meeting_id>")
def meeting_view(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    audit("meeting.viewed", record_type="meeting", record_id=meeting.id)
    db.session.commit()
    listed = agenda.items(meeting.id)
    manages = access.manages_meeting(current_user, meeting)
    runs = access.runs_meeting(current_user, meeting)
    researcher = access.researches_for(current_user, meeting) and not runs
    research = {}
    if researcher:
        research = {
            request.agenda_item_id: request
            for request in db.session.scalars(
                sa.select(ResearchRequest).where(
                    ResearchRequest.agency_id == current_user.agency_id,
                    ResearchRequest.agenda_item_id.in_([item.id for item in listed]),
                )
            )
        }
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
        confirm=ConfirmForm(),
        turnaround=meetings.minutes_turnaround(meeting),
        repeats=meetings.repeat_referral_ids(listed),
        agency_papers=meetings.agencies_with_actions(meeting) if runs else [],
    )


@bp.route("/<int:meeting_id>/build", methods=["POST"])
def build_list(meeting_id):
    meeting = _managed(meeting_id)
    _confirmed()
    added = agenda.build(meeting)
    meetings.after_list_change(meeting)
    audit("meeting.list_built", record_type="meeting", record_id=meeting.id, added=added)
    db.session.commit()
    flash(f"{plural(added, 'case')} added to the list." if added else "No new cases to add.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
def move_item(meeting_id, item_id):
    meeting = _managed(meeting_id)
    item = _item(meeting, item_id)
    _confirmed()
    direction = -1 if request.form.get("direction") == "up" else 1
    if agenda.move(meeting, item, direction):
        audit("meeting.list_moved", record_type="meeting", record_id=meeting.id, item_id=item.id, direction=direction)
        db.session.commit()
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id, _anchor=f"item-{item.id}"))


@bp.route("/<int:meeting_id>/add", methods=["GET", "POST"])
def add_case(meeting_id):
    meeting = _managed(meeting_id)
    form = AddCaseForm()
    if form.validate_on_submit():
        case = db.session.get(Case, form.case_id()) if form.case_id() else None
        if case is None or case.area_id != meeting.area_id:
            form.case_reference.errors.append("Enter the number of a case in this meeting's area, like C000123")
        else:
            item = agenda.add_by_hand(meeting, case, form.section.data, form.reason.data.strip())
            if item is None:
                form.case_reference.errors.append("This case is already on the list")
            else:
                meetings.after_list_change(meeting)
                db.session.flush()
                audit("meeting.case_added", record_type="meeting", record_id=meeting.id, case_id=case.id)
                db.session.commit()
                flash(f"Case {case.reference} added to the list.", "success")
                return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    return render_template("meetings/add_case.html", form=form, meeting=meeting, title=meetings.title(meeting))


@bp.route("/<int:meeting_id>/items/<int:item_id>/remove", methods=["GET", "POST"])
def remove_item(meeting_id, item_id):
    meeting = _managed(meeting_id)
    item = _item(meeting, item_id)
    form = RemoveCaseForm()
    if form.validate_on_submit():
        agenda.remove(meeting, item, form.reason.data.strip())
        audit("meeting.case_removed", record_type="meeting", record_id=meeting.id, case_id=item.case_id)
        db.session.commit()
        flash(f"Case {item.case.reference} removed from the list.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    return render_template(
        "meetings/remove_item.html", form=form, meeting=meeting, item=item, title=meetings.title(meeting)
    )


@bp.route("/<int:meeting_id>/planned-minutes", methods=["POST"])
def set_minutes(meeting_id):
    meeting = _managed(meeting_id)
    _confirmed()
    problems = []
    for item in agenda.items(meeting.id):
        value = (request.form.get(f"minutes-{item.id}") or "").strip()
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= 120:
            problems.append(f"Case {item.case.reference}: enter minutes from 1 to 120")
            continue
        if int(value) != item.planned_minutes:
            agenda.set_minutes(item, int(value))
    if problems:
        db.session.rollback()
        for problem in problems:
            flash(problem)
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    audit("meeting.minutes_planned", record_type="meeting", record_id=meeting.id)
    db.session.commit()
    flash("Planned minutes saved.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/publish", methods=["POST"])
def publish(meeting_id):
    meeting = _managed(meeting_id)
    _confirmed()
    if meeting.status != MeetingStatus.PLANNED:
        flash("The case list is already published.")
    elif not agenda.items(meeting.id):
        flash("Build the case list before publishing it.")
    else:
        meetings.publish(meeting, meetings.title(meeting))
        audit("meeting.list_published", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("Case list published. Each invited agency has been asked for its research.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/research")
def research_grid(meeting_id):
    meeting = _run(meeting_id)
    listed = agenda.items(meeting.id)
    audit("meeting.research_viewed", record_type="meeting", record_id=meeting.id)
    db.session.commit()
    return render_template(
        "meetings/research_grid.html",
        meeting=meeting,
        title=meetings.title(meeting),
        listed=listed,
        grid=meetings.research_grid(meeting, listed),
        agencies=meeting.invited_agencies,
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/research", methods=["GET", "POST"])
def research_answer(meeting_id, item_id):
    """An agency answers for its own records: 'nothing known' in one click, or facts and opinion."""
    meeting = _meeting_or_404(meeting_id)
    if not access.researches_for(current_user, meeting):
        abort(403)
    item = _item(meeting, item_id)
    research = db.session.scalar(
        sa.select(ResearchRequest).filter_by(agenda_item_id=item.id, agency_id=current_user.agency_id)
    )
    if research is None:
        abort(404)
    form = ResearchForm(obj=research)
    if request.method == "POST" and request.form.get("nothing_known"):
        if ConfirmForm().validate_on_submit():
            meetings.answer_research(research, current_user, nothing_known=True)
            audit(
                "research.answered",
                record_type="meeting",
                record_id=meeting.id,
                case_id=item.case_id,
                nothing_known=True,
            )
            db.session.commit()
            flash(f"'Nothing known' sent for case {item.case.reference}.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id, _anchor=f"item-{item.id}"))
    if form.validate_on_submit():
        if form.is_stale(research):
            form.version.data = research.version
            return render_template(
                "meetings/research_answer.html",
                form=form,
                meeting=meeting,
                item=item,
                research=research,
                title=meetings.title(meeting),
                conflict=True,
            ), 409
        meetings.answer_research(
            research, current_user, nothing_known=False, facts=form.facts.data, opinion=form.opinion.data
        )
        audit(
            "research.answered", record_type="meeting", record_id=meeting.id, case_id=item.case_id, nothing_known=False
        )
        db.session.commit()
        flash(f"Research sent for case {item.case.reference}.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id, _anchor=f"item-{item.id}"))
    return render_template(
        "meetings/research_answer.html",
        form=form,
        meeting=meeting,
        item=item,
        research=research,
        title=meetings.title(meeting),
        conflict=False,
    )


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
def attendance(meeting_id):
    meeting = _run(meeting_id)
    rows = meetings.attendance(meeting)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        values = {
            agency.id: (
                request.form.get(f"present-{agency.id}") == "y",
                # No NUL: PostgreSQL cannot keep one (found by tests/security/test_hostile_input.py).
                (request.form.get(f"person-{agency.id}") or "").replace("\x00", "")[:120],
                request.form.get(f"signed-{agency.id}") == "y",
            )
            for agency, _row in rows
        }
        meetings.record_attendance(meeting, values)
        audit(
            "meeting.attendance_recorded",
            record_type="meeting",
            record_id=meeting.id,
            present=sum(1 for present, _p, _s in values.values() if present),
        )
        db.session.commit()
        flash("Attendance saved.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    return render_template(
        "meetings/attendance.html", meeting=meeting, title=meetings.title(meeting), rows=rows, confirm=ConfirmForm()
    )


def _action_form(meeting):
    """The owner is one of the meeting's agencies, not every agency of every area (thousands)."""
    form = ActionForm()
    form.owner_agency_id.choices = choices(
        [(0, "Select the agency")] + [(agency.id, agency.name) for agency in meetings.action_owners(meeting)]
    )
    return form


def _render_item(meeting, item, discussion_form, action_form, status=200, conflict=False):
    listed = agenda.items(meeting.id)
    index = next(i for i, other in enumerate(listed) if other.id == item.id)
    grid = meetings.research_grid(meeting, [item])
    research = [(agency, grid.get((item.id, agency.id))) for agency in meeting.invited_agencies]
    cases = meeting_papers.cases_with_people([item.case_id])
    return render_template(
        "meetings/run_item.html",
        meeting=meeting,
        title=meetings.title(meeting),
        item=item,
        case=cases[item.case_id],
        research=research,
        discussion_form=discussion_form,
        action_form=action_form,
        item_actions=actions.for_case(item.case_id),
        previous=listed[index - 1] if index > 0 else None,
        following=listed[index + 1] if index + 1 < len(listed) else None,
        position=index + 1,
        total=len(listed),
        conflict=conflict,
    ), status


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
def run_item(meeting_id, item_id):
    """Meeting mode, one case: the research, the discussion, the risk after it, the actions."""
    meeting = _run(meeting_id)
    item = _item(meeting, item_id)
    form = DiscussionForm(obj=item)
    if form.validate_on_submit():
        if form.is_stale(item):
            form.version.data = item.version
            return _render_item(meeting, item, form, _action_form(meeting), 409, conflict=True)
        meetings.save_discussion(item, form.discussion.data, form.risk_after.data)
        audit("meeting.discussion_saved", record_type="case", record_id=item.case_id, meeting_id=meeting.id)
        db.session.commit()
        flash("Notes saved.", "success")
        return redirect(url_for("meetings.run_item", meeting_id=meeting.id, item_id=item.id))
    audit("case.viewed", record_type="case", record_id=item.case_id, tab="meeting")
    db.session.commit()
    return _render_item(meeting, item, form, _action_form(meeting))


@bp.route("/<int:meeting_id>/items/<int:item_id>/actions", methods=["POST"])
def add_action(meeting_id, item_id):
    meeting = _run(meeting_id)
    item = _item(meeting, item_id)
    form = _action_form(meeting)
    if form.validate_on_submit():
        problems = actions.smart_problems(form.data, uk_date(meeting.starts_at))
        for field, message in problems.items():
            form[field].errors.append(message)
        if not problems:
            action = actions.create(item.case, form.data, current_user, meeting=meeting, item=item)
            meetings.invite(meeting, action.owner_agency_id)
            audit("action.created", record_type="case", record_id=item.case_id, action_id=action.id)
            db.session.commit()
            flash(f"Action {action.reference} added.", "success")
            return redirect(url_for("meetings.run_item", meeting_id=meeting.id, item_id=item.id, _anchor="actions"))
    return _render_item(meeting, item, DiscussionForm(obj=item), form, 400)


@bp.route("/<int:meeting_id>/held", methods=["POST"])
def mark_held(meeting_id):
    meeting = _run(meeting_id)
    _confirmed()
    if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.LIST_PUBLISHED):
        meetings.mark_held(meeting)
        audit("meeting.held", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("The meeting is recorded as held. The chair can now approve the minutes.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/approve", methods=["POST"])
def approve(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if meeting.chair_id != current_user.id:
        abort(403)
    _confirmed()
    if meeting.status == MeetingStatus.HELD:
        meetings.approve_minutes(meeting, current_user)
        audit("meeting.minutes_approved", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("Minutes approved. The coordinator can now send them.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/send", methods=["POST"])
def send_minutes(meeting_id):
    meeting = _managed(meeting_id)
    _confirmed()
    if meeting.status == MeetingStatus.MINUTES_APPROVED:
        meetings.send_minutes(meeting, meetings.title(meeting))
        audit("meeting.minutes_sent", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("Minutes sent: each attending agency has been told.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


def _pdf_response(content, filename):
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_stem(meeting):
    return f"marac-{uk_date(meeting.starts_at):%Y-%m-%d}-meeting-{meeting.id}"


@bp.route("/<int:meeting_id>/case-list.pdf")
def case_list_pdf(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    runs = access.runs_meeting(current_user, meeting)
    if not runs and not access.researches_for(current_user, meeting):
        abort(403)
    content = meeting_papers.case_list(meeting, current_user, show_confidential=False)
    audit("meeting.pdf", record_type="meeting", record_id=meeting.id, paper="case_list", **export_reason())
    db.session.commit()
    return _pdf_response(content, f"{_file_stem(meeting)}-case-list.pdf")


@bp.route("/<int:meeting_id>/minutes.pdf")
def minutes_pdf(meeting_id):
    meeting = _run(meeting_id)
    content = meeting_papers.minutes(meeting, current_user)
    audit("meeting.pdf", record_type="meeting", record_id=meeting.id, paper="minutes", **export_reason())
    db.session.commit()
    return _pdf_response(content, f"{_file_stem(meeting)}-minutes.pdf")


@bp.route("/<int:meeting_id>/actions/<int:agency_id>.pdf")
def agency_actions_pdf(meeting_id, agency_id):
    """One agency's own actions. A representative may have only their own agency's."""
    meeting = _meeting_or_404(meeting_id)
    if not access.runs_meeting(current_user, meeting) and agency_id != current_user.agency_id:
        abort(403)
    if agency_id not in {agency.id for agency in meeting.invited_agencies}:
        abort(404)
    content = meeting_papers.agency_actions(meeting, agency_id, current_user)
    audit(
        "meeting.pdf",
        record_type="meeting",
        record_id=meeting.id,
        paper="agency_actions",
        agency_id=agency_id,
        **export_reason(),
    )
    db.session.commit()
    return _pdf_response(content, f"{_file_stem(meeting)}-actions-agency-{agency_id}.pdf")


@bp.route("/<int:meeting_id>/invite.ics")
def calendar(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    body = meetings.ics(
        meeting, meeting.area.name, url_for("meetings.meeting_view", meeting_id=meeting.id, _external=True)
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_stem(meeting)}.ics"'
    return response
