"""Corrections to sent minutes: a new version, started with what was wrong, approved by the chair
and sent again (through the meeting's own approve and send buttons); every version kept and
readable."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.meetings import CorrectionForm
from marac.meetings import bp
from marac.meetings.common import managed_meeting, run_meeting
from marac.security import audit, form_tokens
from marac.services import meetings, versions
from models import db


@bp.route("/<int:meeting_id>/minutes/correct", methods=["GET", "POST"])
@form_tokens.once
def correct_minutes(meeting_id):
    meeting = managed_meeting(meeting_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        meeting = versions.lock(meeting)  # two corrections started at once: the second finds the first
        if problem := meetings.correction_problem(meeting):
            flash(problem)
            return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
        correction = meetings.start_correction(meeting, current_user, form.reason.data.strip())
        audit(
            "meeting.minutes_correction_started", record_type="meeting", record_id=meeting.id, version=correction.number
        )
        flash(
            f"Correction started (version {correction.number}): change the notes in meeting mode, then the chair "
            "approves it and you send it again.",
            "success",
        )
        return form_tokens.made(redirect(url_for("meetings.meeting_view", meeting_id=meeting.id)))
    if problem := meetings.correction_problem(meeting):
        flash(problem)
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id))
    return render_template(
        "meetings/correct_minutes.html", form=form, meeting=meeting, title=meetings.title(meeting)
    ), 400 if form.errors else 200


@bp.route("/<int:meeting_id>/minutes/versions/<int:number>")
def minutes_version(meeting_id, number):
    meeting = run_meeting(meeting_id)
    found = meetings.minutes_version(meeting, number)
    if found is None:
        abort(404)
    version, entries = found
    audit("meeting.minutes_version_viewed", record_type="meeting", record_id=meeting.id, version=number)
    db.session.commit()
    return render_template(
        "meetings/minutes_version.html",
        meeting=meeting,
        title=meetings.title(meeting),
        version=version,
        entries=entries,
        latest=meetings.minutes_versions(meeting)[-1].number,
    )
