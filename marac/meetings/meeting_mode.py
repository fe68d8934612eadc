"""The meeting itself: attendance, each case in turn (discussion, risk, actions), then held,
minutes approved by the chair and sent."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.common import choices
from forms.meetings import AttendanceForm, DraftForm, HeldForm, MeetingItemForm
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
from marac.services import access, actions, agenda, meeting_drafts, meeting_facts, meetings, versions
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


def _item_form(meeting, item):
    """The case's one form. The owner is one of the meeting's agencies, not every agency of every
    area (thousands)."""
    form = MeetingItemForm(obj=item)
    form.owner_agency_id.choices = choices(
        [(0, "Select the agency")] + [(agency.id, agency.name) for agency in meetings.action_owners(meeting)]
    )
    return form


def _render_item(meeting, item, form, status=200, conflict=None, restored=None):
    listed = agenda.items(meeting.id)
    index = next(i for i, other in enumerate(listed) if other.id == item.id)
    grid = meetings.research_grid(meeting, [item])
    research = [(agency, grid.get((item.id, agency.id))) for agency in meeting.invited_agencies]
    facts = meeting_facts.for_item(meeting, item, current_user)
    item_actions = facts["agreed"]
    return render_template(
        "meetings/run_item.html",
        meeting=meeting,
        title=meetings.title(meeting),
        item=item,
        case=facts["case"],
        facts=facts,
        research=research,
        form=form,
        item_actions=item_actions,
        changeable={action.id for action in item_actions if actions.changeable_at(item, action)},
        previous=listed[index - 1] if index > 0 else None,
        following=listed[index + 1] if index + 1 < len(listed) else None,
        position=index + 1,
        total=len(listed),
        conflict=conflict,
        restored=restored,
        locked=meetings.minutes_locked(meeting),
    ), status


def _here(meeting, item, anchor=None):
    return redirect(url_for("meetings.run_item", meeting_id=meeting.id, item_id=item.id, _anchor=anchor))


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@form_tokens.once
def run_item(meeting_id, item_id):
    """Meeting mode, one case: the research, the discussion, the risk after it, the actions, all
    in one form. Whichever button is pressed, the notes are saved first (so no word typed is lost
    to an action's problem), then the button's part is done."""
    meeting = run_meeting(meeting_id)
    if request.method == "POST":
        record_change(meeting)
    item = item_or_404(meeting, item_id)
    form = _item_form(meeting, item)
    if not form.is_submitted():
        audit("case.viewed", record_type="case", record_id=item.case_id, tab="meeting")
        restored = meeting_drafts.of(item, current_user)
        if restored is not None:  # what they typed last time, not saved: back in the box
            form.discussion.data = restored.discussion
            audit("meeting.draft_restored", record_type="case", record_id=item.case_id, meeting_id=meeting.id)
        db.session.commit()
        return _render_item(meeting, item, form, restored=restored)
    form.validate()
    if form.notes_problems():  # nothing saved: every problem shown, the action's if one was started
        if not form.action_started():
            form.forget_action_errors()
        return _render_item(meeting, item, form, 400)
    pressed, action_id = form.pressed()
    try:
        with versions.saving(item, form.version.data):
            changed = meetings.save_discussion(item, form.discussion.data, form.risk_after.data)
    except StaleRecord:
        form.version.data = item.version
        form.forget_action_errors()
        return _render_item(meeting, item, form, 409, conflict="notes")
    form.version.data = item.version  # a page shown again sends on from what is saved now
    meeting_drafts.drop(item, current_user)
    if changed:
        audit("meeting.discussion_saved", record_type="case", record_id=item.case_id, meeting_id=meeting.id)
    db.session.commit()
    if pressed in ("add", "save"):
        return _save_action(meeting, item, form, action_id)
    if pressed == "notes" and form.action_started():
        # An action half typed stays on the page, with what cannot be kept of it, to be added.
        if not form.errors:
            form.say_action_pending()
        flash("Notes saved.", "success")
        return _render_item(meeting, item, form, 400)
    form.forget_action_errors()
    if pressed in ("change", "remove"):
        action = actions.agreed_in(item, action_id)
        if action is None:
            flash("That action can no longer be changed here: something has been done on it.")
            return _here(meeting, item, "actions")
        if pressed == "change":
            form.load_action(action)
            return _render_item(meeting, item, form)
        actions.withdraw(action)
        audit("action.removed", record_type="case", record_id=item.case_id, action_id=action.id)
        db.session.commit()
        flash(f"Notes saved. Action {action.reference} removed.", "success")
        return _here(meeting, item, "actions")
    flash("Notes saved.", "success")
    return _here(meeting, item, "actions" if pressed == "cancel" else None)


def _save_action(meeting, item, form, action_id):
    """Add the action typed, or save the one being changed; its problems shown with everything
    typed (the notes are saved already)."""
    if not form.errors:
        for field, message in actions.smart_problems(form.data, uk_date(meeting.starts_at)).items():
            form[field].errors.append(message)
    if form.errors:
        return _render_item(meeting, item, form, 400)
    if action_id is None:
        action = actions.create(item.case, form.data, current_user, meeting=meeting, item=item)
        meetings.invite(meeting, action.owner_agency_id)
        audit("action.created", record_type="case", record_id=item.case_id, action_id=action.id)
        flash(f"Notes saved. Action {action.reference} added.", "success")
        return form_tokens.made(_here(meeting, item, "actions"))
    action = actions.agreed_in(item, action_id)
    if action is None:
        flash("That action can no longer be changed here: something has been done on it.")
        return _here(meeting, item, "actions")
    try:
        with versions.saving(action, form.action_version.data):
            actions.amend(action, form.data, current_user)
    except StaleRecord:
        form.action_version.data = action.version
        return _render_item(meeting, item, form, 409, conflict="action")
    meetings.invite(meeting, action.owner_agency_id)
    audit("action.changed", record_type="case", record_id=item.case_id, action_id=action.id)
    db.session.commit()
    flash(f"Notes saved. Action {action.reference} changed.", "success")
    return _here(meeting, item, "actions")


@bp.route("/<int:meeting_id>/items/<int:item_id>/draft", methods=["POST"])
def save_draft(meeting_id, item_id):
    """The page's draft of the notes, sent as they are typed and as the page is left (JavaScript):
    kept for this person until they save the notes. 204, or 400 for a draft that cannot be kept."""
    meeting = record_change(run_meeting(meeting_id))
    item = item_or_404(meeting, item_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return "", 400
    meeting_drafts.keep(item, current_user, form.discussion.data or "", form.version.data)
    audit("meeting.draft_saved", record_type="case", record_id=item.case_id, meeting_id=meeting.id)
    db.session.commit()
    return "", 204


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
