"""SQL pieces the caseload's queries share: the latest risk assessment of a case, when a referral
came in, and whether a case waits for an IDVA (also a part of who may see it: access.caseload_cases).
Models only, so that access.py can use them."""

import sqlalchemy as sa

from models import Allocation, Case, Referral, ReferralStatus, RiskAssessment
from models.risk import RiskLevel, current_assessment

# Referrals that put a case in the queue: sent to the MARAC and not declined or moved on.
WAITING_STATUSES = (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED)


def latest_assessment(column):
    """The latest current risk assessment's `column`, for the Case in the enclosing query."""
    return (
        sa.select(column)
        .where(RiskAssessment.case_id == Case.id, current_assessment())
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.completed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def last_assessment_date():
    return (
        sa.select(sa.func.max(RiskAssessment.assessed_on))
        .where(RiskAssessment.case_id == Case.id, current_assessment())
        .correlate(Case)
        .scalar_subquery()
    )


def referral_received_at():
    return sa.func.coalesce(Referral.submitted_at, Referral.created_at)


def waiting_referral():
    """Conditions on Referral: a referral of the Case received since it last had an IDVA (after
    its last allocation ended; any, if it never had one). A referral that came while an IDVA
    supported the case was dealt with in that support."""
    last_ended = (
        sa.select(sa.func.max(Allocation.ended_at))
        .where(Allocation.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    return sa.and_(
        Referral.case_id == Case.id,
        Referral.status.in_(WAITING_STATUSES),
        sa.or_(last_ended.is_(None), referral_received_at() > last_ended),
    )


def _has_open_allocation():
    return sa.exists().where(Allocation.case_id == Case.id, Allocation.ended_at.is_(None)).correlate(Case)


def awaiting_allocation():
    """A WHERE clause on Case: waiting for an IDVA. High risk now (its latest risk assessment),
    referred (submitted or accepted) since it last had an IDVA, and no IDVA now."""
    # Cheapest first: most cases of an area's history have an IDVA or were dealt with long ago;
    # the latest risk level, a sorted subquery, is looked up only for the few left.
    return sa.and_(
        ~_has_open_allocation(),
        sa.exists().where(waiting_referral()),
        latest_assessment(RiskAssessment.level) == RiskLevel.HIGH.value,
    )
