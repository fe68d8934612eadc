"""A case's IDVA support: allocation and reopening, contacts, the safety plan, needs, intake,
onward referrals, and closure with the outcomes matched to intake."""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa

from marac.services import versions
from marac.services.caseload.clauses import latest_assessment, referral_received_at, waiting_referral
from marac.services.caseload.targets import Targets, first_contact_due
from marac.services.cases import involve_agency
from marac.services.notifications import notify_user
from models import (
    Allocation,
    Case,
    Contact,
    Need,
    NeedStage,
    OnwardReferral,
    Referral,
    RiskAssessment,
    SafetyPlan,
    Support,
    db,
)
from models.caseload import MADE_CONTACT, NEED_CATEGORIES, RESTORATIVE_JUSTICE, SAFETY_PLAN_AREAS, ContactOutcome
from models.clock import uk_date, utcnow
from models.risk import RiskLevel

# -- Allocation, support and reopening ----------------------------------------------------------


def current_allocation(case_id):
    return db.session.scalar(
        sa.select(Allocation)
        .where(Allocation.case_id == case_id, Allocation.ended_at.is_(None))
        .order_by(Allocation.started_at.desc(), Allocation.id.desc())
        .limit(1)
    )


def open_support(case_id):
    return db.session.scalar(
        sa.select(Support)
        .where(Support.case_id == case_id, Support.closed_at.is_(None))
        .order_by(Support.id.desc())
        .limit(1)
    )


def supports_of(case_id):
    """Every period of support of a case, newest first."""
    return db.session.scalars(
        sa.select(Support).where(Support.case_id == case_id).order_by(Support.opened_at.desc(), Support.id.desc())
    ).all()


def _new_support(case, *, by, now, targets, reopens=None):
    waiting = db.session.execute(
        sa.select(Referral.id, referral_received_at())
        .select_from(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(Case.id == case.id, waiting_referral())
        .order_by(referral_received_at(), Referral.id)
        .limit(1)
    ).first()
    referral_id, received_at = waiting if waiting else (None, now)
    level = db.session.scalar(sa.select(latest_assessment(RiskAssessment.level)).where(Case.id == case.id))
    support = Support(
        case_id=case.id,
        referral_id=referral_id,
        reopens_id=reopens.id if reopens else None,
        received_at=received_at,
        opened_at=now,
        opened_by_id=by.id if by else None,
        triage_due_at=received_at + timedelta(hours=targets.triage_hours),
        first_contact_due_on=first_contact_due(received_at, targets),
        intake_risk_level=level,
    )
    db.session.add(support)
    db.session.flush()
    return support


def ensure_support(case, allocation, *, targets=None):
    """The support an open allocation belongs to, made now if the allocation came without one
    (a case opened by an IDVA, or allocated before supports were recorded)."""
    if allocation.support_id:
        return db.session.get(Support, allocation.support_id)
    versions.lock(allocation)  # two pages opened at once make one support
    if allocation.support_id:
        return db.session.get(Support, allocation.support_id)
    targets = targets or Targets.from_config()
    support = open_support(case.id)
    if support is None:
        received_at = allocation.started_at
        support = Support(
            case_id=case.id,
            received_at=received_at,
            opened_at=received_at,
            opened_by_id=allocation.allocated_by_id,
            triage_due_at=received_at + timedelta(hours=targets.triage_hours),
            first_contact_due_on=first_contact_due(received_at, targets),
            intake_risk_level=db.session.scalar(
                sa.select(latest_assessment(RiskAssessment.level)).where(Case.id == case.id)
            ),
        )
        db.session.add(support)
        db.session.flush()
    allocation.support_id = support.id
    return support


def allocate(case, idva, by, *, now=None, targets=None):
    """Give a case to an IDVA. A case waiting in the queue starts a new support; a closed case is
    reopened (a new support that continues the last, every record kept); a case with an IDVA is
    handed to the new one within the same support. Returns (support, what happened)."""
    now = now or utcnow()
    targets = targets or Targets.from_config()
    versions.lock(case)  # a second allocation at the same moment waits, then finds this one
    current = current_allocation(case.id)
    if current is not None:
        if current.idva_id == idva.id:
            return ensure_support(case, current, targets=targets), "unchanged"
        support = ensure_support(case, current, targets=targets)
        current.ended_at = now
        happened = "reallocated"
    else:
        support = open_support(case.id)
        happened = "allocated"
        if support is None:
            last = db.session.scalar(
                sa.select(Support).where(Support.case_id == case.id).order_by(Support.id.desc()).limit(1)
            )
            support = _new_support(case, by=by, now=now, targets=targets, reopens=last)
            happened = "reopened" if last else "allocated"
    db.session.add(
        Allocation(case_id=case.id, idva_id=idva.id, allocated_by_id=by.id, started_at=now, support_id=support.id)
    )
    involve_agency(case, idva.agency_id, "allocated")
    notify_user(idva.id, f"Case {case.reference} has been allocated to you", f"/cases/{case.id}/idva")
    return support, happened


# -- Contacts -----------------------------------------------------------------------------------


def log_contact(case, support, user, *, contacted_at, method, outcome, was_safe, note=None, next_contact_on=None):
    """Record an attempt or a contact, and keep the support's first attempt and first contact.
    The support's row is locked first: two contacts logged at once take turns (each reads the
    other's first dates), rather than the second failing on the support's version."""
    versions.lock(support)
    is_contact = ContactOutcome(outcome) in MADE_CONTACT
    contact = Contact(
        case_id=case.id,
        support_id=support.id,
        idva_id=user.id,
        contacted_at=contacted_at,
        method=method,
        outcome=outcome,
        is_contact=is_contact,
        was_safe=was_safe,
        note=(note or "").strip() or None,
    )
    db.session.add(contact)
    day = uk_date(contacted_at)
    if support.first_attempt_on is None or day < support.first_attempt_on:
        support.first_attempt_on = day
    if is_contact and (support.first_contact_on is None or day < support.first_contact_on):
        support.first_contact_on = day
    support.next_contact_on = next_contact_on
    return contact


def contacts_of(case_id):
    return db.session.scalars(
        sa.select(Contact).where(Contact.case_id == case_id).order_by(Contact.contacted_at.desc(), Contact.id.desc())
    ).all()


# -- Safety plan --------------------------------------------------------------------------------


def current_plan(case_id):
    return db.session.scalar(
        sa.select(SafetyPlan).where(SafetyPlan.case_id == case_id).order_by(SafetyPlan.version.desc()).limit(1)
    )


def plan_versions(case_id):
    return db.session.scalar(sa.select(sa.func.count(SafetyPlan.id)).where(SafetyPlan.case_id == case_id)) or 0


def save_plan(case, user, data, *, version):
    """Save a new version of the case's safety plan, made from `version` of it (as the form
    posted it; 0 for none): StaleRecord if another was saved since. Each save adds a row, so the
    case's row is taken while the newest plan is checked: two saves of one plan take turns."""
    versions.lock(case)
    current = current_plan(case.id)
    versions.expect(current, version)
    plan = SafetyPlan(
        case_id=case.id,
        version=current.version + 1 if current else 1,
        review_on=data["review_on"],
        legal_orders=list(data.get("legal_orders") or []),
        created_by_id=user.id,
        **{area: (data.get(area) or "").strip() or None for area in SAFETY_PLAN_AREAS},
    )
    db.session.add(plan)
    return plan


# -- Needs, intake and onward referrals ---------------------------------------------------------


def needs_of(support_ids):
    """{support id: {stage: {category: level}}}."""
    found = defaultdict(lambda: defaultdict(dict))
    if support_ids:
        for need in db.session.scalars(sa.select(Need).where(Need.support_id.in_(list(support_ids)))):
            found[need.support_id][need.stage][need.category] = need.level
    return found


def save_needs(support, stage, levels):
    existing = {
        need.category: need
        for need in db.session.scalars(sa.select(Need).where(Need.support_id == support.id, Need.stage == stage))
    }
    for category in NEED_CATEGORIES:
        level = levels.get(category)
        if not level:
            continue
        need = existing.get(category) or Need(support_id=support.id, stage=stage, category=category)
        need.level = level
        db.session.add(need)


def save_intake(support, data, *, version):
    """Needs at intake and the victim's own baseline answers, matched at exit. `version`: the
    support's version the form was made from (StaleRecord if someone saved it since)."""
    versions.lock(support)
    versions.expect(support, version)
    save_needs(support, NeedStage.INTAKE, data["needs"])
    support.intake_abuse_ongoing = data.get("abuse_ongoing")
    support.intake_feels_safe = data.get("feels_safe")
    support.intake_quality_of_life = data.get("quality_of_life")
    support.intake_recorded_at = utcnow()


def restorative_justice_problem(service, *, victim_asked, judged_safe):
    """Restorative justice only when the victim asks for it and it is safe: the message, or None."""
    if service != RESTORATIVE_JUSTICE:
        return None
    if not victim_asked:
        return "Restorative justice is only arranged when the victim asks for it"
    if not judged_safe:
        return "Restorative justice is only arranged when it has been assessed as safe"
    return None


def add_onward_referral(case, support, user, *, service, referred_on, note=None, victim_asked=False, judged_safe=False):
    problem = restorative_justice_problem(service, victim_asked=victim_asked, judged_safe=judged_safe)
    if problem:
        raise ValueError(problem)
    referral = OnwardReferral(
        case_id=case.id,
        support_id=support.id,
        service=service,
        referred_on=referred_on,
        note=(note or "").strip() or None,
        victim_asked=bool(victim_asked),
        judged_safe=bool(judged_safe),
        created_by_id=user.id,
    )
    db.session.add(referral)
    return referral


def onward_referrals_of(case_id):
    return db.session.scalars(
        sa.select(OnwardReferral)
        .where(OnwardReferral.case_id == case_id)
        .order_by(OnwardReferral.referred_on.desc(), OnwardReferral.id.desc())
    ).all()


# -- Closure and outcomes -----------------------------------------------------------------------

LEVEL_RANK = {level.value: level.rank for level in RiskLevel}


def match_outcomes(*, intake_abuse_ongoing, exit_abuse_ongoing, intake_risk_level, exit_risk_level,
                   intake_feels_safe, exit_feels_safe, intake_quality_of_life, exit_quality_of_life):  # fmt: skip
    """The four outcomes at exit, each matched with intake: True, False, or None when either end
    is not known (or, for the abuse, when it was not happening at intake)."""

    def better(before, after):
        return None if before is None or after is None else after > before

    abuse_stopped = None
    if intake_abuse_ongoing and exit_abuse_ongoing is not None:
        abuse_stopped = not exit_abuse_ongoing
    risk_reduced = None
    if intake_risk_level in LEVEL_RANK and exit_risk_level in LEVEL_RANK:
        risk_reduced = LEVEL_RANK[exit_risk_level] < LEVEL_RANK[intake_risk_level]
    return {
        "abuse_stopped": abuse_stopped,
        "risk_reduced": risk_reduced,
        "feels_safer": better(intake_feels_safe, exit_feels_safe),
        "quality_of_life_improved": better(intake_quality_of_life, exit_quality_of_life),
    }


def close(case, support, user, data, *, version, now=None):
    """Close the support with its reason, needs and answers at exit, and the outcomes matched with
    intake; the IDVA's allocation ends. `version`: the support's version the form was made from
    (StaleRecord if it changed since). False, and nothing done, if it was closed already (a
    second click)."""
    versions.lock(support)
    if support.closed_at is not None:
        return False
    versions.expect(support, version)
    now = now or utcnow()
    support.closed_at = now
    support.closed_by_id = user.id
    support.closure_reason = data["reason"]
    support.closure_note = (data.get("note") or "").strip() or None
    support.exit_risk_level = data.get("risk_level") or None
    support.exit_abuse_ongoing = data.get("abuse_ongoing")
    support.exit_feels_safe = data.get("feels_safe")
    support.exit_quality_of_life = data.get("quality_of_life")
    support.satisfaction = data.get("satisfaction")
    outcomes = match_outcomes(
        intake_abuse_ongoing=support.intake_abuse_ongoing,
        exit_abuse_ongoing=support.exit_abuse_ongoing,
        intake_risk_level=support.intake_risk_level,
        exit_risk_level=support.exit_risk_level,
        intake_feels_safe=support.intake_feels_safe,
        exit_feels_safe=support.exit_feels_safe,
        intake_quality_of_life=support.intake_quality_of_life,
        exit_quality_of_life=support.exit_quality_of_life,
    )
    for name, value in outcomes.items():
        setattr(support, name, value)
    save_needs(support, NeedStage.EXIT, data.get("needs") or {})
    db.session.execute(
        sa.update(Allocation)
        .where(Allocation.case_id == case.id, Allocation.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return True
