"""What the meeting pages share: the meeting (and case on its list) of the address, if the user
may see it and do what the page does."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from forms.common import ConfirmForm
from marac.services import access, agenda, meetings, versions


def meeting_or_404(meeting_id):
    meeting = access.get_visible_meeting(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def managed_meeting(meeting_id):
    meeting = meeting_or_404(meeting_id)
    if not access.manages_meeting(current_user, meeting):
        abort(403)
    return meeting


def run_meeting(meeting_id):
    meeting = meeting_or_404(meeting_id)
    if not access.runs_meeting(current_user, meeting):
        abort(403)
    return meeting


def item_or_404(meeting, item_id):
    item = agenda.listed_item(meeting, item_id)
    if item is None:
        abort(404)
    return item


def confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _refuse(meeting, problem):
    flash(problem)
    abort(redirect(url_for("meetings.meeting_view", meeting_id=meeting.id)))


def list_change(meeting):
    """The meeting's row held for a change of its case list (changes take turns), or back to the
    meeting's page saying why the list is locked (held, however the request was sent)."""
    if request.method == "POST":
        meeting = versions.lock(meeting)
    if problem := meetings.list_locked(meeting):
        _refuse(meeting, problem)
    return meeting


def record_change(meeting):
    """Back to the meeting's page saying why, if the meeting's record is read-only (its minutes
    approved or sent), whatever the page or request."""
    if problem := meetings.minutes_locked(meeting):
        _refuse(meeting, problem)
    return meeting
