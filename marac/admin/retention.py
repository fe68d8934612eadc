"""Retention review, for coordinators: cases flagged as due, the decision on each (keep,
anonymise, delete), and legal holds. Every decision is audited (ids and counts only)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import LegalHoldForm, RetentionDecisionForm
from forms.common import ConfirmForm
from marac.admin import bp
from marac.security import audit, form_tokens
from marac.services import retention, retention_reviews
from marac.services.areas import user_areas
from models import db


@bp.route("/retention")
def retention_list():
    return _render_list(hold_form=LegalHoldForm())


def _render_list(hold_form, status=200):
    reviews = retention_reviews.open_reviews(current_user)
    audit("retention.reviews_listed", count=len(reviews))
    db.session.commit()
    return (
        render_template(
            "admin/retention.html",
            reviews=reviews,
            decided=retention_reviews.recent_decisions(current_user),
            holds=retention_reviews.holds_for(current_user),
            hold_form=hold_form,
            lift_form=ConfirmForm(),
            area_names={area.id: area.name for area in user_areas(current_user, retired_too=True)},
        ),
        status,
    )


@bp.route("/retention/<int:review_id>", methods=["GET", "POST"])
def retention_decide(review_id):
    review = retention_reviews.review_of(current_user, review_id)
    if review is None or (review.decision is not None and request.method != "POST"):
        abort(404)
    if review.decision is not None:
        return _decided_already(review)
    held = retention.on_hold(review.record_type, review.record_id)
    form = RetentionDecisionForm()
    if form.validate_on_submit():
        choice = form.decision.data
        try:
            counts = retention_reviews.decide(review, choice, current_user)
        except retention.OnHold:
            form.decision.errors.append("This case is under a legal hold: it cannot be anonymised or deleted")
        else:
            if counts is None:  # another click got there first, at the same moment
                return _decided_already(review)
            audit(
                f"retention.case_{'kept' if choice == 'keep' else choice + 'd'}",
                record_type="case",
                record_id=review.record_id,
                review_id=review.id,
                tables=sorted(counts),
                rows=sum(counts.values()),
            )
            db.session.commit()
            if choice != "keep":
                retention.checkpoint()
            flash(_DONE[choice].format(reference=f"C{review.record_id:06d}"), "success")
            return redirect(url_for("admin.retention_list"))
    return render_template("admin/retention_decide.html", review=review, form=form, held=held)


def _decided_already(review):
    """A second click on a decision (or another coordinator's): the list, as after the first."""
    flash(f"Case C{review.record_id:06d} has been decided already.")
    return redirect(url_for("admin.retention_list"))


_DONE = {
    "keep": "Case {reference} will be kept for another year.",
    "anonymise": "Case {reference} has been anonymised.",
    "delete": "Case {reference} has been deleted.",
}


@bp.route("/retention/holds", methods=["POST"])
@form_tokens.once
def legal_hold_place():
    form = LegalHoldForm()
    if form.validate_on_submit():
        case = retention_reviews.case_to_hold(current_user, form.case_id())
        if case is None:
            form.case_reference.errors.append("Enter the number of a case in your areas, like C000123")
        elif retention.on_hold(retention.CASE, case.id):
            form.case_reference.errors.append("This case is already under a legal hold")
        else:
            hold = retention_reviews.place_hold(retention.CASE, case.id, form.reason.data, current_user)
            db.session.flush()
            audit("retention.hold_placed", record_type="case", record_id=case.id, hold_id=hold.id)
            flash(f"Legal hold placed on case {case.reference}.", "success")
            return form_tokens.made(redirect(url_for("admin.retention_list")))
    return _render_list(hold_form=form, status=400)


@bp.route("/retention/holds/<int:hold_id>/lift", methods=["POST"])
def legal_hold_lift(hold_id):
    hold = retention_reviews.hold_to_lift(current_user, hold_id)
    if hold is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    retention_reviews.lift_hold(hold, current_user)
    audit("retention.hold_lifted", record_type="case", record_id=hold.record_id, hold_id=hold.id)
    db.session.commit()
    flash(f"Legal hold lifted from case C{hold.record_id:06d}.", "success")
    return redirect(url_for("admin.retention_list"))
