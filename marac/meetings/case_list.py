"""Building a meeting's case list: adding, ordering, planning and removing cases, and publishing it."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.meetings import AddCaseForm, BuildListForm, PlannedMinutesForm, RemoveCaseForm
from marac.meetings import bp
from marac.meetings.common import confirmed, item_or_404, list_change, managed_meeting
from marac.meetings.views import meeting_page
from marac.security import audit, form_tokens
from marac.services import agenda, meetings, search, versions
from marac.services.text import plural
from models import AgendaSection, db


@bp.route("/<int:meeting_id>/build", methods=["GET", "POST"])
def build_list(meeting_id):
    """What a build would add and why, what it leaves out and why; it adds what is confirmed (of
    the cases that belong on the list when it is sent)."""
    meeting = list_change(managed_meeting(meeting_id))
    form = BuildListForm()
    if form.validate_on_submit():
        added = agenda.build(meeting, set(form.case_ids.data or ()))
        meetings.after_list_change(meeting)
        audit("meeting.list_built", record_type="meeting", record_id=meeting.id, added=added)
        db.session.commit()
        flash(f"{plural(added, 'case')} added to the list." if added else "No cases added.", "success")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    adding, moving, left_out = agenda.preview(meeting)
    return render_template(
        "meetings/build_list.html",
        meeting=meeting,
        title=meetings.title(meeting),
        form=form,
        adding=adding,
        moving=moving,
        left_out=left_out,
        section_labels=AgendaSection.labels(),
    ), 400 if form.errors else 200


@bp.route("/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
def move_item(meeting_id, item_id):
    """A move sends the list's planned minutes too (one form for the list): they are saved with it."""
    meeting = list_change(managed_meeting(meeting_id))
    item = item_or_404(meeting, item_id)
    listed = agenda.items(meeting.id)
    form = PlannedMinutesForm.for_items(listed)
    if not form.validate_on_submit():
        return meeting_page(meeting, minutes_form=form, status=400)
    agenda.plan_minutes(listed, form.minutes())
    direction = -1 if request.form.get("direction") == "up" else 1
    if agenda.move(meeting, item, direction):
        audit("meeting.list_moved", record_type="meeting", record_id=meeting.id, item_id=item.id, direction=direction)
    db.session.commit()
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id, _anchor=f"item-{item.id}"))


@bp.route("/<int:meeting_id>/add", methods=["GET", "POST"])
@form_tokens.once
def add_case(meeting_id):
    """A case added by hand: searched for by number or name among the cases of the meeting's area
    the coordinator may see, then chosen."""
    meeting = list_change(managed_meeting(meeting_id))
    form = AddCaseForm()
    found = []
    if form.is_submitted():
        case_id, name = form.wanted()
        found = search.cases_of_area(current_user, meeting.area_id, case_id=case_id, name=name)
    form.case_id.choices = [(case.id, _found_label(case, person, role)) for case, person, role in found]
    if form.searching():
        audit("meeting.case_searched", record_type="meeting", record_id=meeting.id, found=len(found))
        db.session.commit()
    elif form.validate_on_submit():
        case = next(case for case, _person, _role in found if case.id == form.case_id.data)
        item = agenda.add_by_hand(meeting, case, form.section.data, form.reason.data.strip())
        if item is None:
            form.case_id.errors.append("This case is already on the list")
        else:
            meetings.after_list_change(meeting)
            db.session.flush()
            audit("meeting.case_added", record_type="meeting", record_id=meeting.id, case_id=case.id)
            flash(f"Case {case.reference} added to the list.", "success")
            return form_tokens.made(redirect(url_for("meetings.meeting_view", meeting_id=meeting.id)))
    return render_template(
        "meetings/add_case.html", form=form, meeting=meeting, title=meetings.title(meeting), found=found
    ), 400 if form.errors else 200


def _found_label(case, person, role):
    born = f", born {person.date_of_birth.day} {person.date_of_birth:%B %Y}" if person.date_of_birth else ""
    return f"Case {case.reference}: {person.full_name} ({role}{born})"


@bp.route("/<int:meeting_id>/items/<int:item_id>/remove", methods=["GET", "POST"])
def remove_item(meeting_id, item_id):
    meeting = list_change(managed_meeting(meeting_id))
    item = item_or_404(meeting, item_id)
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
    meeting = list_change(managed_meeting(meeting_id))
    listed = agenda.items(meeting.id)
    form = PlannedMinutesForm.for_items(listed)
    if not form.validate_on_submit():
        return meeting_page(meeting, minutes_form=form, status=400)
    agenda.plan_minutes(listed, form.minutes())
    audit("meeting.minutes_planned", record_type="meeting", record_id=meeting.id)
    db.session.commit()
    flash("Planned minutes saved.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/publish", methods=["POST"])
def publish(meeting_id):
    meeting = managed_meeting(meeting_id)
    confirmed()
    versions.lock(meeting)  # a second publish at the same moment waits here, then finds it published
    if problem := meetings.publish_problem(meeting):
        flash(problem)
    else:
        meetings.publish(meeting, meetings.title(meeting))
        audit("meeting.list_published", record_type="meeting", record_id=meeting.id)
        db.session.commit()
        flash("Case list published. Each invited agency has been asked for its research.", "success")
    return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
