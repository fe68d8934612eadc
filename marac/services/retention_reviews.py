"""The coordinator's retention reviews: the cases of their areas flagged as due, the decision on
each (carried out by marac/services/retention.py), and legal holds."""

from datetime import timedelta

import sqlalchemy as sa

from marac.services import retention, versions
from marac.services.retention import CASE
from models import Case, LegalHold, RetentionReview, db
from models.clock import utcnow


def open_reviews(user):
    """Reviews waiting for a decision in the user's areas, oldest activity first."""
    return db.session.scalars(
        sa.select(RetentionReview)
        .where(RetentionReview.decision.is_(None), RetentionReview.area_id.in_(user.area_ids))
        .order_by(RetentionReview.last_activity_at, RetentionReview.id)
    ).all()


def review_of(user, review_id):
    """A review of the user's areas (waiting for a decision or not), else None."""
    return db.session.scalar(
        sa.select(RetentionReview).where(RetentionReview.id == review_id, RetentionReview.area_id.in_(user.area_ids))
    )


def decide(review, choice, user):
    """Carry out the coordinator's decision: "keep" (for another year), "anonymise" or "delete".
    Returns the rows changed per table, or None if the review was decided meanwhile (a second
    click: it waits for the first, then does nothing). Raises retention.OnHold for anything but
    keeping a case under a legal hold."""
    versions.lock(review)
    if review.decision is not None:
        return None
    if choice == "keep":
        retention.keep(review, user)
        return {}
    carry_out = retention.anonymise_case if choice == "anonymise" else retention.delete_case
    return carry_out(review.record_id, user=user, review=review)


def recent_decisions(user, since=timedelta(days=90), now=None):
    now = now or utcnow()
    return db.session.scalars(
        sa.select(RetentionReview)
        .where(
            RetentionReview.decision.is_not(None),
            RetentionReview.area_id.in_(user.area_ids),
            RetentionReview.decided_at >= now - since,
        )
        .order_by(RetentionReview.decided_at.desc())
    ).all()


# Legal holds


def holds_for(user):
    """Holds in place on cases in the user's areas (a held case that was since deleted cannot
    exist: deletion refuses a held case)."""
    return db.session.execute(
        sa.select(LegalHold, Case.area_id)
        .join(Case, sa.and_(LegalHold.record_type == CASE, Case.id == LegalHold.record_id))
        .where(LegalHold.lifted_at.is_(None), Case.area_id.in_(user.area_ids))
        .order_by(LegalHold.placed_at)
    ).all()


def case_to_hold(user, case_id):
    """A case of the user's areas, which they may place under a legal hold, else None. Its row is
    locked (retention.lock_case): a deletion at the same moment either finishes first (and the case
    is gone) or waits, and then finds the hold."""
    if not case_id:
        return None
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, Case.area_id.in_(user.area_ids)))
    return retention.lock_case(case.id) if case is not None else None


def hold_to_lift(user, hold_id):
    """A hold in place on a case of the user's areas, else None."""
    return db.session.scalar(
        sa.select(LegalHold)
        .join(Case, sa.and_(LegalHold.record_type == CASE, Case.id == LegalHold.record_id))
        .where(LegalHold.id == hold_id, LegalHold.lifted_at.is_(None), Case.area_id.in_(user.area_ids))
    )


def place_hold(record_type, record_id, reason, user, now=None):
    hold = LegalHold(record_type=record_type, record_id=record_id, reason=reason, placed_by_id=user.id)
    hold.placed_at = now or utcnow()
    db.session.add(hold)
    return hold


def lift_hold(hold, user, now=None):
    hold.lifted_at = now or utcnow()
    hold.lifted_by_id = user.id
