"""MARAC meetings (/meetings): schedule, case list, research, meeting mode, minutes and papers."""

from datetime import date, time

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.actions import ActionForm
from forms.admin import ConfirmForm
from forms.common import choices
from forms.meetings import AddCaseForm, AttendanceForm, DiscussionForm, RemoveCaseForm, ResearchForm, ScheduleForm
from marac.meetings import bp
from marac.security import audit, export_reason
from marac.services import access, actions, agenda, meeting_papers, meetings
from marac.services.areas import user_areas
from marac.services.text import plural
from models import Meeting, db
from models.base import utcnow


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
    item = agenda.listed_item(meeting, item_id)
    if item is None:
        abort(404)
    return item


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/")
def meeting_list():
    rows = db.session.scalars(
        meetings.latest_first(access.visible_meetings(current_user)).options(selectinload(Meeting.chair)).limit(100)
    ).all()
    now = utcnow()
    upcoming = sorted((m for m in rows if m.starts_at >= now), key=lambda m: m.starts_at)
    past = [m for m in rows if m.starts_at < now]
    return render_template("meetings/list.html", upcoming=upcoming, past=past, title=meetings.title)


@bp.route("/schedule", methods=["GET", "POST"])
def schedule():
    form = ScheduleForm(count=6, length_minutes=180, cut_off_days=7, start_time="10:00")
    areas = user_areas(current_user)
    form.area_id.choices = choices([(0, "Select the area")] + [(area.id, area.name) for area in areas])
    form.chair_id.choices = choices([(0, "Not chosen yet")] + meetings.chairs())
    if request.method == "GET" and len(areas) >= 1:
        form.area_id.data = form.area_id.data or areas[0].id
        form.first_day.data = meetings.next_meeting_day(areas[0], date.today())
    if form.validate_on_submit():
        area = next((area for area in areas if area.id == form.area_id.data), None)
        if area is None:
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
        confirm=ConfirmForm(),
        turnaround=meetings.minutes_turnaround(meeting),
        repeats=meetings.repeat_referral_ids(listed),
        agency_papers=meetings.agencies_with_actions(meeting) if runs else [],
        may_be_held=meetings.may_be_held(meeting),
        approves=access.approves_minutes(current_user, meeting) and meetings.awaits_approval(meeting),
        sends=manages and meetings.awaits_sending(meeting),
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
        case = meetings.listable_case(meeting, form.case_id())
        if case is None:
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
    listed = agenda.items(meeting.id)
    problems = agenda.plan_minutes(listed, {item.id: request.form.get(f"minutes-{item.id}") for item in listed})
    if problems:
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
    if problem := meetings.publish_problem(meeting):
        flash(problem)
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
    research = meetings.research_request(item, current_user.agency_id)
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
    form = AttendanceForm.for_agencies([agency.id for agency, _row in rows])
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = form.rows()
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
        "meetings/attendance.html", meeting=meeting, title=meetings.title(meeting), rows=rows, form=form
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
        problems = actions.smart_problems(form.data, meeting.starts_at.date())
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
    if meetings.may_be_held(meeting):
        meetings.mark_held(meeting)
        audit("meeting.held", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("The meeting is recorded as held. The chair can now approve the minutes.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/approve", methods=["POST"])
def approve(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if not access.approves_minutes(current_user, meeting):
        abort(403)
    _confirmed()
    if meetings.awaits_approval(meeting):
        meetings.approve_minutes(meeting, current_user)
        audit("meeting.minutes_approved", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("Minutes approved. The coordinator can now send them.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/send", methods=["POST"])
def send_minutes(meeting_id):
    meeting = _managed(meeting_id)
    _confirmed()
    if meetings.awaits_sending(meeting):
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
    return f"marac-{meeting.starts_at.astimezone(meetings.UK):%Y-%m-%d}-meeting-{meeting.id}"


@bp.route("/<int:meeting_id>/case-list.pdf")
def case_list_pdf(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if not access.gets_case_list_paper(current_user, meeting):
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
    if not access.gets_agency_actions_paper(current_user, meeting, agency_id):
        abort(403)
    if not meeting.invites(agency_id):
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
