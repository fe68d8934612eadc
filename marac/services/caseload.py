"""IDVA caseload: the allocation queue and suggestions, allocation and reopening, contacts and the
contact targets, safety plans, needs, onward referrals, tasks, risk reviews, closure with matched
outcomes, and the figures reports ask for.

Who may see which of these records is decided in marac/services/access.py (`caseload_cases`);
functions here take the clause it returns, or records already checked against it.

Targets are settings (config.py, IDVA_*): triage (allocation) within 48 hours of the referral,
first contact within 2 working days of it, feedback to the victim within 2 working days after
MARAC, a risk review every 8 weeks. Working days are England and Wales ones (workdays.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from marac.services import workdays
from marac.services.cases import involve_agency
from marac.services.notifications import notify_user
from marac.services.versions import StaleRecord, bump_version
from models import (
    AgendaItem,
    Allocation,
    Area,
    Case,
    Contact,
    IdvaTask,
    Meeting,
    Need,
    NeedStage,
    OnwardReferral,
    Person,
    Referral,
    ReferralStatus,
    RiskAssessment,
    Role,
    SafetyPlan,
    Support,
    TaskKind,
    User,
    db,
)
from models.base import utcnow
from models.caseload import (
    CLOSURE_REASON_LABELS,
    MADE_CONTACT,
    NEED_CATEGORIES,
    RESTORATIVE_JUSTICE,
    SAFETY_PLAN_AREAS,
    SATISFACTION_LABELS,
    ContactOutcome,
)
from models.risk import RiskLevel, current_assessment
from models.users import UserRole, user_areas

UK = ZoneInfo("Europe/London")
# Referrals that put a case in the queue: sent to the MARAC and not declined or moved on.
WAITING_STATUSES = (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED)
NEAR_CAPACITY = Decimal("0.9")  # at or above 90% of capacity is "near"


# -- Settings and dates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    triage_hours: int = 48
    first_contact_working_days: int = 2
    feedback_working_days: int = 2
    risk_review_weeks: int = 8
    contact_interval_days: int = 14

    @classmethod
    def from_config(cls, config=None):
        config = config if config is not None else current_app.config
        return cls(
            triage_hours=config["IDVA_TRIAGE_HOURS"],
            first_contact_working_days=config["IDVA_FIRST_CONTACT_WORKING_DAYS"],
            feedback_working_days=config["IDVA_MARAC_FEEDBACK_WORKING_DAYS"],
            risk_review_weeks=config["IDVA_RISK_REVIEW_WEEKS"],
            contact_interval_days=config["IDVA_CONTACT_INTERVAL_DAYS"],
        )


def uk_date(moment):
    return moment.astimezone(UK).date()


def uk_day_start(day):
    """Midnight at the start of a UK day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=UK)


def first_contact_due(received_at, targets):
    """The last day for first contact: N working days after the day the referral came in."""
    return workdays.add_working_days(uk_date(received_at), targets.first_contact_working_days)


def feedback_due(meeting_day, targets):
    """The last day to tell the victim what MARAC agreed: N working days after the meeting."""
    return workdays.add_working_days(meeting_day, targets.feedback_working_days)


def next_contact_due(*, next_contact_on, last_contact_at, first_contact_due_on, targets):
    """The date the IDVA set; else the interval after the last contact; else first contact's due date."""
    if next_contact_on:
        return next_contact_on
    if last_contact_at:
        return uk_date(last_contact_at) + timedelta(days=targets.contact_interval_days)
    return first_contact_due_on


def review_due(*, last_assessed_on, opened_at, targets):
    """A risk review every N weeks from the latest completed risk assessment (or the allocation)."""
    base = last_assessed_on or uk_date(opened_at)
    return base + timedelta(weeks=targets.risk_review_weeks)


# -- SQL pieces ---------------------------------------------------------------------------------


def _latest_assessment(column):
    """The latest current risk assessment's `column`, for the Case in the enclosing query."""
    return (
        sa.select(column)
        .where(RiskAssessment.case_id == Case.id, current_assessment())
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.completed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def _last_assessed_on():
    return (
        sa.select(sa.func.max(RiskAssessment.assessed_on))
        .where(RiskAssessment.case_id == Case.id, current_assessment())
        .correlate(Case)
        .scalar_subquery()
    )


def _received_at():
    return sa.func.coalesce(Referral.submitted_at, Referral.created_at)


def _waiting_referral():
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
        sa.or_(last_ended.is_(None), _received_at() > last_ended),
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
        sa.exists().where(_waiting_referral()),
        _latest_assessment(RiskAssessment.level) == RiskLevel.HIGH.value,
    )


# -- Capacity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdvaLoad:
    idva_id: int
    name: str
    fte: Decimal
    active: int
    per_fte: int
    area_ids: frozenset = frozenset()

    @property
    def capacity(self):
        return int((Decimal(self.fte) * self.per_fte).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def room(self):
        return self.capacity - self.active

    @property
    def ratio(self):
        return Decimal(self.active) / self.capacity if self.capacity else Decimal("Infinity")

    @property
    def state(self):
        """ "over", "at", "near" (90% or more) or "within" capacity."""
        if self.active > self.capacity:
            return "over"
        if self.active == self.capacity:
            return "at"
        if self.ratio >= NEAR_CAPACITY:
            return "near"
        return "within"

    @property
    def state_label(self):
        return {
            "over": "Over capacity",
            "at": "At capacity",
            "near": "Near capacity",
            "within": "Within capacity",
        }[self.state]


def _idvas(area_ids, agency_id=None, idva_ids=None):
    """Conditions on User: active IDVAs working in any of these areas (of this agency)."""
    conditions = [User.is_active, sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.IDVA)]
    if area_ids is not None:
        conditions.append(sa.exists().where(user_areas.c.user_id == User.id, user_areas.c.area_id.in_(list(area_ids))))
    if agency_id is not None:
        conditions.append(User.agency_id == agency_id)
    if idva_ids is not None:
        conditions.append(User.id.in_(list(idva_ids)))
    return conditions


def caseload_against_capacity(area_ids, *, agency_id=None, idva_ids=None):
    """Each active IDVA working in `area_ids` (None: any area; optionally only of one agency, or
    only the users `idva_ids`):
    their active cases (open allocations, counted in SQL) against capacity.

    Capacity = FTE × the area's active cases per full-time IDVA (Area.idva_capacity_per_fte);
    an IDVA in several areas takes the smallest setting of theirs. Returns [IdvaLoad] by name.
    """
    if area_ids is not None and not area_ids:
        return []
    active = (
        sa.select(sa.func.count(Allocation.id))
        .where(Allocation.idva_id == User.id, Allocation.ended_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    per_fte = (
        sa.select(sa.func.min(Area.idva_capacity_per_fte))
        .join(user_areas, user_areas.c.area_id == Area.id)
        .where(user_areas.c.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(User.id, User.name, User.fte, active, per_fte)
        .where(*_idvas(area_ids, agency_id, idva_ids))
        .order_by(User.name, User.id)
    ).all()
    areas_of = defaultdict(set)
    if rows:
        for user_id, area_id in db.session.execute(
            sa.select(user_areas.c.user_id, user_areas.c.area_id).where(
                user_areas.c.user_id.in_([row[0] for row in rows])
            )
        ):
            areas_of[user_id].add(area_id)
    return [
        IdvaLoad(
            idva_id=user_id,
            name=name,
            fte=Decimal(fte if fte is not None else 1),
            active=count or 0,
            per_fte=per if per is not None else 70,
            area_ids=frozenset(areas_of[user_id]),
        )
        for user_id, name, fte, count, per in rows
    ]


@dataclass(frozen=True)
class Suggestion:
    idva_id: int | None
    reason: str


def suggest(loads, previous_idva_id=None):
    """Who to allocate to: the victim's previous IDVA if they have room; else the IDVA with the
    most room; else (everyone is full) the previous IDVA, or the least loaded."""
    if not loads:
        return Suggestion(None, "No IDVA of your service works in this area")
    by_id = {load.idva_id: load for load in loads}
    previous = by_id.get(previous_idva_id)
    if previous and previous.room > 0:
        return Suggestion(previous.idva_id, f"{previous.name} supported this victim before and has room")
    with_room = sorted((load for load in loads if load.room > 0), key=lambda load: (-load.room, load.ratio, load.name))
    if with_room:
        best = with_room[0]
        reason = f"{best.name} has the most room ({best.room} of {best.capacity} places free)"
        if previous:
            reason = f"{previous.name} supported this victim before but has no room; " + reason
        return Suggestion(best.idva_id, reason)
    if previous:
        return Suggestion(
            previous.idva_id, f"Every IDVA is at or over capacity; {previous.name} supported this victim before"
        )
    least = min(loads, key=lambda load: (load.ratio, load.name))
    return Suggestion(least.idva_id, f"Every IDVA is at or over capacity; {least.name} is the least loaded")


# -- The queue ----------------------------------------------------------------------------------


@dataclass
class QueueItem:
    case_id: int
    area_id: int
    area_name: str
    victim_id: int
    victim_name: str
    level: str | None
    score: int | None
    received_at: datetime
    waiting: timedelta
    is_over_target: bool
    previous_idva_id: int | None = None
    previous_idva_name: str | None = None
    suggestion: Suggestion | None = None

    @property
    def reference(self):
        return f"C{self.case_id:06d}"


def previous_idvas(victim_ids):
    """{victim id: (IDVA id, name)}: the IDVA who last supported each victim, in any case."""
    if not victim_ids:
        return {}
    rows = db.session.execute(
        sa.select(Case.victim_id, Allocation.idva_id, User.name)
        .join(Case, Case.id == Allocation.case_id)
        .join(User, User.id == Allocation.idva_id)
        .where(Case.victim_id.in_(list(victim_ids)))
        .order_by(Allocation.started_at.desc(), Allocation.id.desc())
    ).all()
    found = {}
    for victim_id, idva_id, name in rows:
        found.setdefault(victim_id, (idva_id, name))
    return found


def queue(where, *, now=None, targets=None, limit=500):
    """The cases waiting for an IDVA within `where` (the user's caseload clause), longest waiting
    first, each with how long it has waited and who it is suggested to."""
    now = now or utcnow()
    targets = targets or Targets.from_config()
    received = (
        sa.select(sa.func.min(_received_at())).where(_waiting_referral()).correlate(Case).scalar_subquery()
    ).label("received_at")
    rows = db.session.execute(
        sa.select(
            Case.id,
            Case.area_id,
            Area.name,
            Case.victim_id,
            Person.first_name,
            Person.last_name,
            _latest_assessment(RiskAssessment.level),
            _latest_assessment(RiskAssessment.score),
            received,
        )
        .join(Area, Area.id == Case.area_id)
        .join(Person, Person.id == Case.victim_id)
        .where(where, awaiting_allocation())
        .order_by(received, Case.id)
        .limit(limit)
    ).all()
    items = []
    for case_id, area_id, area_name, victim_id, first, last, level, score, received_at in rows:
        waiting = max(now - received_at, timedelta(0))
        items.append(
            QueueItem(
                case_id=case_id,
                area_id=area_id,
                area_name=area_name,
                victim_id=victim_id,
                victim_name=f"{first} {last}",
                level=level,
                score=score,
                received_at=received_at,
                waiting=waiting,
                is_over_target=waiting > timedelta(hours=targets.triage_hours),
            )
        )
    return items


def with_suggestions(items, loads):
    """Fill in each queue item's previous IDVA and suggestion (one query for all of them)."""
    previous = previous_idvas({item.victim_id for item in items})
    for item in items:
        idva_id, name = previous.get(item.victim_id, (None, None))
        item.previous_idva_id, item.previous_idva_name = idva_id, name
        in_area = [load for load in loads if item.area_id in load.area_ids]
        item.suggestion = suggest(in_area, idva_id)
    return items


def describe_wait(waiting):
    """'3 days 4 hours', '5 hours', 'under an hour'."""
    days, seconds = waiting.days, waiting.seconds
    hours = seconds // 3600
    parts = []
    if days:
        parts.append(f"{days} {'day' if days == 1 else 'days'}")
    if hours:
        parts.append(f"{hours} {'hour' if hours == 1 else 'hours'}")
    return " ".join(parts) or "under an hour"


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
        sa.select(Referral.id, _received_at())
        .select_from(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(Case.id == case.id, _waiting_referral())
        .order_by(_received_at(), Referral.id)
        .limit(1)
    ).first()
    referral_id, received_at = waiting if waiting else (None, now)
    level = db.session.scalar(sa.select(_latest_assessment(RiskAssessment.level)).where(Case.id == case.id))
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
                sa.select(_latest_assessment(RiskAssessment.level)).where(Case.id == case.id)
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
    """Record an attempt or a contact, and keep the support's first attempt and first contact."""
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


def save_plan(case, user, data, *, expected_version):
    """Save a new version of the case's safety plan. `expected_version` is the version the form
    showed (0 for none): if the plan moved on since, StaleRecord."""
    current = current_plan(case.id)
    version = current.version if current else 0
    if expected_version != version:
        raise StaleRecord()
    plan = SafetyPlan(
        case_id=case.id,
        version=version + 1,
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


def save_intake(support, data):
    """Needs at intake and the victim's own baseline answers, matched at exit."""
    save_needs(support, NeedStage.INTAKE, data["needs"])
    support.intake_abuse_ongoing = data.get("abuse_ongoing")
    support.intake_feels_safe = data.get("feels_safe")
    support.intake_quality_of_life = data.get("quality_of_life")
    support.intake_recorded_at = utcnow()
    bump_version(support)


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


def close(case, support, user, data, *, expected_version, now=None):
    """Close the support with its reason, needs and answers at exit, and the outcomes matched with
    intake; the IDVA's allocation ends. StaleRecord if the support changed since the form."""
    if expected_version != support.version:
        raise StaleRecord()
    if support.closed_at is not None:
        raise ValueError("This support is already closed")
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
    bump_version(support)
    db.session.execute(
        sa.update(Allocation)
        .where(Allocation.case_id == case.id, Allocation.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return support


# -- Tasks --------------------------------------------------------------------------------------


def create_feedback_tasks(meeting, *, targets=None):
    """After a meeting is held: for each case heard, a task to give the victim feedback within the
    target, for the case's IDVA (told by a notification naming the case, not the person). A case
    with no IDVA yet gets the task unassigned; its IDVA sees it once allocated. Idempotent."""
    targets = targets or Targets.from_config()
    day = uk_date(meeting.starts_at)
    due = feedback_due(day, targets)
    case_ids = list(
        db.session.scalars(
            sa.select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.removed_at.is_(None))
        )
    )
    if not case_ids:
        return []
    have = set(
        db.session.scalars(
            sa.select(IdvaTask.case_id).where(
                IdvaTask.meeting_id == meeting.id,
                IdvaTask.kind == TaskKind.MARAC_FEEDBACK,
                IdvaTask.case_id.in_(case_ids),
            )
        )
    )
    allocations = {
        case_id: (idva_id, support_id)
        for case_id, idva_id, support_id in db.session.execute(
            sa.select(Allocation.case_id, Allocation.idva_id, Allocation.support_id).where(
                Allocation.case_id.in_(case_ids), Allocation.ended_at.is_(None)
            )
        )
    }
    made = []
    for case_id in case_ids:
        if case_id in have:
            continue
        idva_id, support_id = allocations.get(case_id, (None, None))
        task = IdvaTask(
            case_id=case_id,
            support_id=support_id,
            idva_id=idva_id,
            kind=TaskKind.MARAC_FEEDBACK,
            meeting_id=meeting.id,
            title=f"Give the victim feedback from the MARAC meeting of {day.day} {day:%B %Y}",
            due_on=due,
        )
        db.session.add(task)
        made.append(task)
        if idva_id:
            notify_user(
                idva_id,
                f"Case C{case_id:06d} was heard at MARAC: give the victim feedback by {due.day} {due:%B %Y}",
                f"/cases/{case_id}/idva",
            )
    return made


def tasks_of(case_id):
    """Open tasks first (soonest due), then done ones."""
    return db.session.scalars(
        sa.select(IdvaTask)
        .where(IdvaTask.case_id == case_id)
        .order_by(IdvaTask.done_at.is_not(None), IdvaTask.due_on, IdvaTask.id)
    ).all()


def complete_task(task, user, *, now=None):
    if task.done_at is None:
        task.done_at = now or utcnow()
        task.done_by_id = user.id


# -- Risk reviews -------------------------------------------------------------------------------


def risk_review_reminders(now):
    """Scheduled daily: tell each IDVA how many of their cases are due a risk review (every
    IDVA_RISK_REVIEW_WEEKS weeks), once per due date. A count and a link, naming no one."""
    targets = Targets.from_config()
    today = uk_date(now)
    backfilled = _backfill_supports(targets)
    rows = db.session.execute(
        sa.select(Support, Allocation.idva_id, _last_assessed_on())
        .join(Allocation, Allocation.support_id == Support.id)
        .join(Case, Case.id == Support.case_id)
        .where(Allocation.ended_at.is_(None), Support.closed_at.is_(None))
    ).all()
    per_idva = defaultdict(int)
    for support, idva_id, last_assessed_on in rows:
        due = review_due(last_assessed_on=last_assessed_on, opened_at=support.opened_at, targets=targets)
        if due <= today and (support.review_reminded_for is None or support.review_reminded_for < due):
            support.review_reminded_for = due
            per_idva[idva_id] += 1
    for idva_id, count in per_idva.items():
        notify_user(
            idva_id,
            f"{count} {'case' if count == 1 else 'cases'} on your caseload "
            f"{'is' if count == 1 else 'are'} due a risk review",
            "/caseload/?sort=review",
        )
    return {"idvas": len(per_idva), "cases": sum(per_idva.values()), "supports_added": backfilled}


def _backfill_supports(targets):
    """Open allocations made without a support (cases opened by an IDVA): give them one."""
    orphans = db.session.execute(
        sa.select(Allocation, Case)
        .join(Case, Case.id == Allocation.case_id)
        .where(Allocation.ended_at.is_(None), Allocation.support_id.is_(None))
    ).all()
    for allocation, case in orphans:
        ensure_support(case, allocation, targets=targets)
    return len(orphans)


# -- The caseload page --------------------------------------------------------------------------


@dataclass
class CaseloadRow:
    case_id: int
    victim_name: str
    allocated_at: datetime
    level: str | None
    last_contact_at: datetime | None
    next_contact_on: date
    next_marac_at: datetime | None
    open_tasks: int
    overdue_tasks: int
    review_on: date
    first_contact_due_on: date
    first_contact_on: date | None
    today: date = field(repr=False, default=None)

    @property
    def reference(self):
        return f"C{self.case_id:06d}"

    @property
    def is_contact_overdue(self):
        return self.next_contact_on < self.today

    @property
    def is_review_due(self):
        return self.review_on <= self.today

    @property
    def is_first_contact_missed(self):
        return self.first_contact_on is None and self.first_contact_due_on < self.today


SORTS = {
    "next_contact": ("Next contact due (soonest first)", lambda row: (row.next_contact_on, row.case_id)),
    "risk": (
        "Risk level (highest first)",
        lambda row: (-LEVEL_RANK.get(row.level, -1), row.next_contact_on, row.case_id),
    ),
    "last_contact": (
        "Last contact (longest ago first)",
        lambda row: (
            row.last_contact_at is not None,
            row.last_contact_at or datetime.min.replace(tzinfo=UTC),
            row.case_id,
        ),
    ),
    "marac": (
        "Next MARAC (soonest first)",
        lambda row: (row.next_marac_at is None, row.next_marac_at or datetime.max.replace(tzinfo=UTC), row.case_id),
    ),
    "tasks": ("Open tasks (most first)", lambda row: (-row.overdue_tasks, -row.open_tasks, row.case_id)),
    "review": ("Risk review due (soonest first)", lambda row: (row.review_on, row.case_id)),
    "allocated": ("Allocated (newest first)", lambda row: (-row.allocated_at.timestamp(), row.case_id)),
}
FILTERS = {
    "risk": {"high": "High", "medium": "Medium", "standard": "Standard", "none": "No assessment"},
    "contact": {"overdue": "Contact overdue", "week": "Contact due within 7 days"},
    "tasks": {"open": "With open tasks", "overdue": "With overdue tasks"},
    "review": {"due": "Risk review due"},
}


def caseload_rows(where, idva_id, *, now=None, targets=None):
    """The IDVA's active cases (open allocations) within `where`, each with its risk level, last
    contact, next contact due, next MARAC date, open tasks and risk review date. One query,
    however many cases."""
    now = now or utcnow()
    today = uk_date(now)
    targets = targets or Targets.from_config()
    last_contact = (
        sa.select(sa.func.max(Contact.contacted_at))
        .where(Contact.case_id == Case.id, Contact.is_contact)
        .correlate(Case)
        .scalar_subquery()
    )
    next_marac = (
        sa.select(sa.func.min(Meeting.starts_at))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == Case.id, AgendaItem.removed_at.is_(None), Meeting.starts_at >= now)
        .correlate(Case)
        .scalar_subquery()
    )
    open_tasks = (
        sa.select(sa.func.count(IdvaTask.id))
        .where(IdvaTask.case_id == Case.id, IdvaTask.done_at.is_(None))
        .correlate(Case)
        .scalar_subquery()
    )
    overdue_tasks = (
        sa.select(sa.func.count(IdvaTask.id))
        .where(IdvaTask.case_id == Case.id, IdvaTask.done_at.is_(None), IdvaTask.due_on < today)
        .correlate(Case)
        .scalar_subquery()
    )
    # An alias: the access clause's own subqueries on allocations must not correlate to this one.
    current = aliased(Allocation)
    rows = db.session.execute(
        sa.select(
            Case.id,
            Person.first_name,
            Person.last_name,
            current.started_at,
            Support.opened_at,
            Support.first_contact_due_on,
            Support.first_contact_on,
            Support.next_contact_on,
            _latest_assessment(RiskAssessment.level),
            _last_assessed_on(),
            last_contact,
            next_marac,
            open_tasks,
            overdue_tasks,
        )
        .select_from(current)
        .join(Case, Case.id == current.case_id)
        .join(Person, Person.id == Case.victim_id)
        .outerjoin(Support, Support.id == current.support_id)
        .where(current.idva_id == idva_id, current.ended_at.is_(None), where)
    ).all()
    result = []
    for (case_id, first, last, allocated_at, opened_at, due_on, first_contact_on, next_on, level, assessed_on,
         last_contact_at, next_marac_at, tasks, overdue) in rows:  # fmt: skip
        due_on = due_on or first_contact_due(allocated_at, targets)
        result.append(
            CaseloadRow(
                case_id=case_id,
                victim_name=f"{first} {last}",
                allocated_at=allocated_at,
                level=level,
                last_contact_at=last_contact_at,
                next_contact_on=next_contact_due(
                    next_contact_on=next_on,
                    last_contact_at=last_contact_at,
                    first_contact_due_on=due_on,
                    targets=targets,
                ),
                next_marac_at=next_marac_at,
                open_tasks=tasks or 0,
                overdue_tasks=overdue or 0,
                review_on=review_due(
                    last_assessed_on=assessed_on, opened_at=opened_at or allocated_at, targets=targets
                ),
                first_contact_due_on=due_on,
                first_contact_on=first_contact_on,
                today=today,
            )
        )
    return result


def filter_and_sort(rows, *, sort="next_contact", risk=None, contact=None, tasks=None, review=None):
    """The caseload as the page's GET parameters ask (unknown values are ignored)."""
    today = rows[0].today if rows else None
    if risk in FILTERS["risk"]:
        rows = [row for row in rows if (row.level or "none") == risk]
    if contact == "overdue":
        rows = [row for row in rows if row.is_contact_overdue]
    elif contact == "week":
        rows = [row for row in rows if row.next_contact_on <= today + timedelta(days=7)]
    if tasks == "open":
        rows = [row for row in rows if row.open_tasks]
    elif tasks == "overdue":
        rows = [row for row in rows if row.overdue_tasks]
    if review == "due":
        rows = [row for row in rows if row.is_review_due]
    _label, key = SORTS.get(sort, SORTS["next_contact"])
    return sorted(rows, key=key)


# -- One case's IDVA tab ------------------------------------------------------------------------


def case_summary(case, *, now=None, targets=None):
    """Everything the IDVA tab shows of one case (already checked against the caseload clause)."""
    now = now or utcnow()
    targets = targets or Targets.from_config()
    supports = supports_of(case.id)
    allocation = current_allocation(case.id)
    support = next((s for s in supports if s.closed_at is None), None)
    contacts = contacts_of(case.id)
    last_assessed_on = db.session.scalar(sa.select(_last_assessed_on()).where(Case.id == case.id))
    last_contact = next((c.contacted_at for c in contacts if c.is_contact), None)
    user_ids = {c.idva_id for c in contacts} | {allocation.idva_id if allocation else None}
    user_ids |= {s.closed_by_id for s in supports}
    names = (
        dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids - {None}))).all())
        if user_ids - {None}
        else {}
    )
    summary = {
        "allocation": allocation,
        "idva_name": names.get(allocation.idva_id) if allocation else None,
        "support": support,
        "supports": supports,
        "contacts": contacts,
        "names": names,
        "plan": current_plan(case.id),
        "plan_versions": plan_versions(case.id),
        "needs": needs_of([s.id for s in supports]),
        "onward": onward_referrals_of(case.id),
        "tasks": tasks_of(case.id),
        "today": uk_date(now),
        "last_assessed_on": last_assessed_on,
    }
    if support is not None:
        summary["next_contact_on"] = next_contact_due(
            next_contact_on=support.next_contact_on,
            last_contact_at=last_contact,
            first_contact_due_on=support.first_contact_due_on,
            targets=targets,
        )
        summary["review_on"] = review_due(
            last_assessed_on=last_assessed_on, opened_at=support.opened_at, targets=targets
        )
    return summary


def allocation_summary(case_id):
    """What anyone who can see the case is shown on its IDVA tab: whether an IDVA supports it."""
    row = db.session.execute(
        sa.select(User.name, Allocation.started_at)
        .join(User, User.id == Allocation.idva_id)
        .where(Allocation.case_id == case_id, Allocation.ended_at.is_(None))
        .order_by(Allocation.started_at.desc())
        .limit(1)
    ).first()
    return {"idva_name": row[0], "since": row[1]} if row else None


# -- Figures for the manager view and reports (aggregates computed in SQL) ----------------------


@dataclass(frozen=True)
class FirstContactFigures:
    received: int  # supports whose referral came in during the period
    triaged_within_target: int  # allocated within IDVA_TRIAGE_HOURS of the referral
    judged: int  # of those, whose first-contact due date has passed or who have been contacted
    within_target: int  # first contact made by the due date (working days)
    late: int  # first contact made after the due date
    missed: int  # no contact yet and the due date has passed
    attempted_within_target: int  # a first attempt (or contact) by the due date

    @property
    def share(self):
        """Share of first contacts within target, of those that can be judged (None if none)."""
        return self.within_target / self.judged if self.judged else None

    @property
    def triage_share(self):
        return self.triaged_within_target / self.received if self.received else None


def _period(start, end):
    return uk_day_start(start), uk_day_start(end + timedelta(days=1))


def _in_areas(area_ids):
    return Case.area_id.in_(list(area_ids))


def first_contact_performance(area_ids, *, start, end, today=None):
    """First-contact performance for supports whose referral came in between `start` and `end`
    (UK dates, inclusive) in `area_ids`. Returns FirstContactFigures."""
    today = today or uk_date(utcnow())
    since, until = _period(start, end)

    def count(condition):
        return sa.func.count(sa.case((condition, 1)))

    judged = sa.or_(Support.first_contact_on.is_not(None), Support.first_contact_due_on < today)
    row = db.session.execute(
        sa.select(
            sa.func.count(Support.id),
            count(Support.opened_at <= Support.triage_due_at),
            count(judged),
            count(Support.first_contact_on <= Support.first_contact_due_on),
            count(Support.first_contact_on > Support.first_contact_due_on),
            count(sa.and_(Support.first_contact_on.is_(None), Support.first_contact_due_on < today)),
            count(Support.first_attempt_on <= Support.first_contact_due_on),
        )
        .join(Case, Case.id == Support.case_id)
        .where(_in_areas(area_ids), Support.received_at >= since, Support.received_at < until)
    ).one()
    return FirstContactFigures(*(value or 0 for value in row))


@dataclass(frozen=True)
class OutcomeFigures:
    closed: int
    by_reason: dict  # {reason: count}, every reason listed
    # Each outcome: (achieved, measured: both intake and exit known).
    abuse_stopped: tuple
    risk_reduced: tuple
    feels_safer: tuple
    quality_of_life_improved: tuple
    satisfaction: dict  # {1..5: count}, only where the victim gave it
    reopened: int  # of these closures, cases reopened since

    @property
    def satisfaction_given(self):
        return sum(self.satisfaction.values())


OUTCOMES = {
    "abuse_stopped": "Abuse stopped",
    "risk_reduced": "Risk reduced",
    "feels_safer": "Feels safer",
    "quality_of_life_improved": "Quality of life improved",
}


def outcomes_at_closure(area_ids, *, start, end):
    """Outcomes of the supports closed between `start` and `end` (UK dates, inclusive) in
    `area_ids`: reasons, each outcome achieved of those measured, satisfaction. OutcomeFigures."""
    since, until = _period(start, end)
    in_period = sa.and_(_in_areas(area_ids), Support.closed_at >= since, Support.closed_at < until)
    columns = [sa.func.count(Support.id)]
    for name in OUTCOMES:
        column = getattr(Support, name)
        columns += [sa.func.count(sa.case((column.is_(True), 1))), sa.func.count(column)]
    later = aliased(Support)
    columns.append(sa.func.count(sa.case((sa.exists().where(later.reopens_id == Support.id), 1))))
    totals = db.session.execute(sa.select(*columns).join(Case, Case.id == Support.case_id).where(in_period)).one()
    reasons = dict(
        db.session.execute(
            sa.select(Support.closure_reason, sa.func.count(Support.id))
            .join(Case, Case.id == Support.case_id)
            .where(in_period)
            .group_by(Support.closure_reason)
        ).all()
    )
    satisfaction = dict(
        db.session.execute(
            sa.select(Support.satisfaction, sa.func.count(Support.id))
            .join(Case, Case.id == Support.case_id)
            .where(in_period, Support.satisfaction.is_not(None))
            .group_by(Support.satisfaction)
        ).all()
    )
    values = [value or 0 for value in totals]
    pairs = {name: (values[1 + 2 * index], values[2 + 2 * index]) for index, name in enumerate(OUTCOMES)}
    return OutcomeFigures(
        closed=values[0],
        by_reason={reason: reasons.get(reason, 0) for reason in CLOSURE_REASON_LABELS},
        satisfaction={score: satisfaction.get(score, 0) for score in SATISFACTION_LABELS},
        reopened=values[-1],
        **pairs,
    )
