"""The meeting's papers: the case list, the minutes and each agency's actions as PDFs, and the
calendar invite."""

from flask import Response, abort, url_for
from flask_login import current_user

from marac.meetings import bp
from marac.meetings.common import meeting_or_404, run_meeting
from marac.security import audit, export_reason
from marac.services import access, meeting_papers, meetings
from models import db
from models.clock import uk_date


def _pdf_response(content, filename):
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_stem(meeting):
    return f"marac-{uk_date(meeting.starts_at):%Y-%m-%d}-meeting-{meeting.id}"


@bp.route("/<int:meeting_id>/case-list.pdf")
def case_list_pdf(meeting_id):
    meeting = meeting_or_404(meeting_id)
    if not access.gets_case_list_paper(current_user, meeting):
        abort(403)
    content = meeting_papers.case_list(meeting, current_user, show_confidential=False)
    audit("meeting.pdf", record_type="meeting", record_id=meeting.id, paper="case_list", **export_reason())
    db.session.commit()
    return _pdf_response(content, f"{_file_stem(meeting)}-case-list.pdf")


@bp.route("/<int:meeting_id>/minutes.pdf")
def minutes_pdf(meeting_id):
    meeting = run_meeting(meeting_id)
    content = meeting_papers.minutes(meeting, current_user)
    audit("meeting.pdf", record_type="meeting", record_id=meeting.id, paper="minutes", **export_reason())
    db.session.commit()
    return _pdf_response(content, f"{_file_stem(meeting)}-minutes.pdf")


@bp.route("/<int:meeting_id>/actions/<int:agency_id>.pdf")
def agency_actions_pdf(meeting_id, agency_id):
    """One agency's own actions. A representative may have only their own agency's."""
    meeting = meeting_or_404(meeting_id)
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
    meeting = meeting_or_404(meeting_id)
    body = meetings.ics(
        meeting, meeting.area.name, url_for("meetings.meeting_view", meeting_id=meeting.id, _external=True)
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_stem(meeting)}.ics"'
    return response
