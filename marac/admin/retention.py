"""Retention review, for coordinators: cases flagged as due, the decision on each (keep,
anonymise, delete), and legal holds. Every decision is audited (ids and counts only)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.admin import LegalHoldForm, RetentionDecisionForm
from forms.common import ConfirmForm
from marac.admin import bp
from marac.security import audit
from marac.services import retention
from models import Case, LegalHold, RetentionReview, db


@bp.route("/retention")
def retention_list():
    return _render_list(hold_form=LegalHoldForm())


def _render_list(hold_form, status=200):
    reviews = retention.open_reviews(current_user)
    audit("retention.reviews_listed", count=len(reviews))
    db.session.commit()
    return (
        render_template(
            "admin/retention.html",
            reviews=reviews,
            decided=retention.recent_decisions(current_user),
            holds=retention.holds_for(current_user),
            hold_form=hold_form,
            lift_form=ConfirmForm(),
            area_names={area.id: area.name for area in current_user.areas},
        ),
        status,
    )


def _open_review(review_id):
    review = db.session.get(RetentionReview, review_id)
    if review is None or review.decision is not None or review.area_id not in current_user.area_ids:
        abort(404)
    return review


@bp.route("/retention/<int:review_id>", methods=["GET", "POST"])
def retention_decide(review_id):
    review = _open_review(review_id)
    held = retention.on_hold(review.record_type, review.record_id)
    form = RetentionDecisionForm()
    if form.validate_on_submit():
        choice = form.decision.data
        if held and choice != "keep":
            form.decision.errors.append("This case is under a legal hold: it cannot be anonymised or deleted")
        else:
            if choice == "keep":
                retention.keep(review, current_user)
                counts = {}
            elif choice == "anonymise":
                counts = retention.anonymise_case(review.record_id, user=current_user, review=review)
            else:
                counts = retention.delete_case(review.record_id, user=current_user, review=review)
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


_DONE = {
    "keep": "Case {reference} will be kept for another year.",
    "anonymise": "Case {reference} has been anonymised.",
    "delete": "Case {reference} has been deleted.",
}


@bp.route("/retention/holds", methods=["POST"])
def legal_hold_place():
    form = LegalHoldForm()
    if form.validate_on_submit():
        case_id = form.case_id()
        case = (
            db.session.scalar(sa.select(Case).where(Case.id == case_id, Case.area_id.in_(current_user.area_ids)))
            if case_id
            else None
        )
        if case is None:
            form.case_reference.errors.append("Enter the number of a case in your areas, like C000123")
        elif retention.on_hold(retention.CASE, case.id):
            form.case_reference.errors.append("This case is already under a legal hold")
        else:
            hold = retention.place_hold(retention.CASE, case.id, form.reason.data, current_user)
            db.session.flush()
            audit("retention.hold_placed", record_type="case", record_id=case.id, hold_id=hold.id)
            db.session.commit()
            flash(f"Legal hold placed on case {case.reference}.", "success")
            return redirect(url_for("admin.retention_list"))
    return _render_list(hold_form=form, status=400)


@bp.route("/retention/holds/<int:hold_id>/lift", methods=["POST"])
def legal_hold_lift(hold_id):
    hold = db.session.get(LegalHold, hold_id)
    if hold is None or hold.lifted_at is not None or hold.record_type != retention.CASE:
        abort(404)
    area_id = db.session.scalar(sa.select(Case.area_id).where(Case.id == hold.record_id))
    if area_id not in current_user.area_ids:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    retention.lift_hold(hold, current_user)
    audit("retention.hold_lifted", record_type="case", record_id=hold.record_id, hold_id=hold.id)
    db.session.commit()
    flash(f"Legal hold lifted from case C{hold.record_id:06d}.", "success")
    return redirect(url_for("admin.retention_list"))
