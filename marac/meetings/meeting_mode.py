"""The meeting itself: attendance, each case in turn (discussion, risk, actions), then held,
minutes approved by the chair and sent."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.actions import ActionForm
from forms.common import choices
from forms.meetings import AttendanceForm, DiscussionForm, HeldForm
from marac.meetings import bp
from marac.meetings.common import (
    confirmed,
    item_or_404,
    managed_meeting,
    meeting_or_404,
    record_change,
    run_meeting,
)
from marac.security import audit, form_tokens
from marac.services import access, actions, agenda, meeting_papers, meetings, versions
from marac.services.versions import StaleRecord
from models import MeetingStatus, db
from models.clock import uk_date


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
def attendance(meeting_id):
    meeting = run_meeting(meeting_id)
    if request.method == "POST":
        record_change(meeting)
    rows = meetings.attendance(meeting)
    form = AttendanceForm.for_agencies([agency.id for agency, _row in rows])
    if form.validate_on_submit():
        versions.lock(meeting)  # two saves of the attendance take turns: one row an agency
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
    ), 400 if form.errors else 200


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
        locked=meetings.minutes_locked(meeting),
    ), status


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
def run_item(meeting_id, item_id):
    """Meeting mode, one case: the research, the discussion, the risk after it, the actions."""
    meeting = run_meeting(meeting_id)
    item = item_or_404(meeting, item_id)
    form = DiscussionForm(obj=item)
    if request.method == "POST":
        record_change(meeting)
    if form.validate_on_submit():
        try:
            with versions.saving(item, form.version.data):
                meetings.save_discussion(item, form.discussion.data, form.risk_after.data)
        except StaleRecord:
            form.version.data = item.version
            return _render_item(meeting, item, form, _action_form(meeting), 409, conflict=True)
        audit("meeting.discussion_saved", record_type="case", record_id=item.case_id, meeting_id=meeting.id)
        db.session.commit()
        flash("Notes saved.", "success")
        return redirect(url_for("meetings.run_item", meeting_id=meeting.id, item_id=item.id))
    audit("case.viewed", record_type="case", record_id=item.case_id, tab="meeting")
    db.session.commit()
    return _render_item(meeting, item, form, _action_form(meeting))


@bp.route("/<int:meeting_id>/items/<int:item_id>/actions", methods=["POST"])
@form_tokens.once
def add_action(meeting_id, item_id):
    meeting = run_meeting(meeting_id)
    item = item_or_404(record_change(meeting), item_id)
    form = _action_form(meeting)
    if form.validate_on_submit():
        problems = actions.smart_problems(form.data, uk_date(meeting.starts_at))
        for field, message in problems.items():
            form[field].errors.append(message)
        if not problems:
            action = actions.create(item.case, form.data, current_user, meeting=meeting, item=item)
            meetings.invite(meeting, action.owner_agency_id)
            audit("action.created", record_type="case", record_id=item.case_id, action_id=action.id)
            flash(f"Action {action.reference} added.", "success")
            return form_tokens.made(
                redirect(url_for("meetings.run_item", meeting_id=meeting.id, item_id=item.id, _anchor="actions"))
            )
    return _render_item(meeting, item, DiscussionForm(obj=item), form, 400)


@bp.route("/<int:meeting_id>/held", methods=["GET", "POST"])
def mark_held(meeting_id):
    """Recording the meeting as held: the page names each case not discussed, and asks what happens
    to it (carried to the next meeting, or removed with a reason)."""
    meeting = run_meeting(meeting_id)
    if request.method == "POST":
        meeting = versions.lock(meeting)  # a second click at the same moment waits here, then finds it done
    if problem := meetings.step_problem(meeting, MeetingStatus.HELD):
        flash(problem)
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    undiscussed = meetings.undiscussed(agenda.items(meeting.id))
    carry_to = meetings.following_meeting(meeting)
    form = HeldForm.for_items(undiscussed, uk_date(carry_to.starts_at) if carry_to else None)
    if form.validate_on_submit():
        carried, removed = meetings.hold(meeting, form.outcomes(), carry_to=carry_to)
        audit("meeting.held", record_type="meeting", record_id=meeting.id, carried=carried, removed=removed)
        if carried:
            audit("meeting.cases_carried", record_type="meeting", record_id=carry_to.id, carried=carried)
        db.session.commit()
        flash("The meeting is recorded as held. The chair can now approve the minutes.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    return render_template(
        "meetings/held.html",
        meeting=meeting,
        title=meetings.title(meeting),
        form=form,
        undiscussed=undiscussed,
        carry_to=carry_to,
        listed=len(agenda.items(meeting.id)),
    ), 400 if form.errors else 200


@bp.route("/<int:meeting_id>/approve", methods=["POST"])
def approve(meeting_id):
    meeting = meeting_or_404(meeting_id)
    if not access.approves_minutes(current_user, meeting):
        abort(403)
    confirmed()
    versions.lock(meeting)  # a second click at the same moment waits here, then finds it done
    if problem := meetings.approval_problem(meeting):
        flash(problem)
    else:
        correction = meetings.open_correction(meeting)
        meetings.approve_minutes(meeting, current_user)
        audit(
            "meeting.minutes_approved",
            record_type="meeting",
            record_id=meeting.id,
            version=correction.number if correction else 1,
        )
        db.session.commit()
        flash("Minutes approved. The coordinator can now send them.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/send", methods=["POST"])
def send_minutes(meeting_id):
    meeting = managed_meeting(meeting_id)
    confirmed()
    versions.lock(meeting)  # a second click at the same moment waits here, then finds it done
    if problem := meetings.sending_problem(meeting):
        flash(problem)
    else:
        correction = meetings.open_correction(meeting)
        meetings.send_minutes(meeting, meetings.title(meeting))
        audit(
            "meeting.minutes_sent",
            record_type="meeting",
            record_id=meeting.id,
            version=correction.number if correction else 1,
        )
        db.session.commit()
        flash("Minutes sent: each attending agency has been told.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
