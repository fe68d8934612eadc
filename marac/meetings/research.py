"""Research: the coordinator's grid of answers, and each agency's answer for its own records."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.common import ConfirmForm
from forms.meetings import ResearchForm
from marac.meetings import bp
from marac.meetings.common import item_or_404, meeting_or_404, record_change, run_meeting
from marac.security import audit
from marac.services import access, agenda, dashboard, meetings, versions
from marac.services.versions import StaleRecord
from models import db
from models.cases import case_reference


@bp.route("/<int:meeting_id>/research")
def research_grid(meeting_id):
    meeting = run_meeting(meeting_id)
    listed = agenda.items(meeting.id, with_cases=True)
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
    meeting = meeting_or_404(meeting_id)
    if not access.researches_for(current_user, meeting):
        abort(403)
    if request.method == "POST":
        record_change(meeting)  # the research is in the minutes: read-only once they are approved
    item = item_or_404(meeting, item_id)
    research = meetings.research_request(item, current_user.agency_id)
    if research is None:
        abort(404)
    form = ResearchForm(obj=research)
    if request.method == "POST" and request.form.get("nothing_known"):
        if ConfirmForm().validate_on_submit():
            versions.lock(research)  # a double click: the second waits, then finds it answered
            if meetings.answer_research(research, current_user, nothing_known=True):
                audit(
                    "research.answered",
                    record_type="meeting",
                    record_id=meeting.id,
                    case_id=item.case_id,
                    nothing_known=True,
                )
                db.session.commit()
                flash(f"'Nothing known' sent for case {item.case.reference}.", "success")
            else:
                flash(f"Your agency's research for case {item.case.reference} has been sent already.")
        return redirect(url_for("meetings.meeting_view", meeting_id=meeting.id, _anchor=f"item-{item.id}"))
    if form.validate_on_submit():
        try:
            with versions.saving(research, form.version.data):
                meetings.answer_research(
                    research, current_user, nothing_known=False, facts=form.facts.data, opinion=form.opinion.data
                )
        except StaleRecord:
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


@bp.route("/research-to-answer")
def research_to_answer():
    """The research the user's agency has still to answer for the coming meetings: the list behind
    the agency's home page figure."""
    rows = db.session.execute(dashboard.research_to_answer(current_user)).all()
    audit("research.to_answer_listed", count=len(rows))
    db.session.commit()
    return render_template(
        "meetings/research_to_answer.html", rows=rows, title=meetings.title, reference=case_reference
    )
