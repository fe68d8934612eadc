"""Demo IDVA caseloads: caseloads near, at, over and within capacity, with contacts and attempts,
safety plans, needs, onward referrals, MARAC feedback tasks, a closed case and a reopened one.
Every name is invented; the seed keeps them stable. Runs after demo_cases (cases, meetings)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from marac.services import assessments, caseload, cases, risk_scoring
from marac.services.demo_cases import FIRST_NAMES_F, FIRST_NAMES_M, _completed, _person, _referral
from models import (
    Agency,
    AgencyKind,
    Allocation,
    Case,
    IdvaTask,
    Referral,
    ReferralStatus,
    RiskAssessment,
    SafetyPlan,
    Support,
    User,
    db,
)
from models.caseload import NEED_CATEGORIES, ContactMethod, ContactOutcome, NeedStage
from models.clock import UK, uk_date, utcnow

# email: (full-time equivalent, active cases wanted). At 70 cases per FTE (the area default):
# Indra 13 of 14 (near), Morgan 7 of 7 (at), Rowan 8 of 7 (over), Jules 6 of 14 (within).
DEMO_CASELOADS = {
    "idva@example.org": (Decimal("0.20"), 13),
    "idva.manager@example.org": (Decimal("0.10"), 7),
    "rowan.idva@example.org": (Decimal("0.10"), 8),
    "jules.idva@example.org": (Decimal("0.20"), 6),
}
# How long the cases in the queue have waited, in hours (longest first).
QUEUE_WAITS = [100, 52, 30, 20, 5, 2]


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=UK)


def _working_moment(rng, day):
    """A time in office hours on `day`, moved on to the next working day if it is not one."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return _at(day, rng.randint(9, 16), rng.choice([0, 10, 20, 30, 40, 50]))


def seed_caseload(areas, today=None, now=None):
    rng = random.Random(20261124)
    now = now or utcnow()
    today = today or uk_date(now)
    targets = caseload.Targets()
    area = areas[0]
    users = {email: db.session.query(User).filter_by(email=email).one() for email in DEMO_CASELOADS}
    for email, (fte, _wanted) in DEMO_CASELOADS.items():
        users[email].fte = fte
    manager = users["idva.manager@example.org"]
    coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
    police = db.session.query(Agency).filter(Agency.areas.contains(area), Agency.kind == AgencyKind.POLICE).one()

    _date_referrals(rng, now)
    _date_queue(now)

    indra = users["idva@example.org"]
    allocations = (
        db.session.query(Allocation)
        .join(Case, Case.id == Allocation.case_id)
        .filter(Allocation.idva_id == indra.id, Allocation.ended_at.is_(None), Case.area_id == area.id)
        .order_by(Allocation.case_id)
        .all()
    )
    # The one referred longest ago is the closed case; two go to Rowan; Indra keeps 13.
    allocations.sort(
        key=lambda allocation: (_received_at(db.session.get(Case, allocation.case_id), now), allocation.id)
    )
    to_close, keep, to_rowan = allocations[:1], allocations[1:14], allocations[14:16]
    for allocation in to_rowan:
        allocation.idva_id = users["rowan.idva@example.org"].id
    active = list(keep) + list(to_rowan)

    # New cases, so that each IDVA has the caseload wanted.
    for email, (_fte, wanted) in DEMO_CASELOADS.items():
        have = sum(1 for allocation in active if allocation.idva_id == users[email].id)
        for _ in range(wanted - have):
            active.append(_new_allocated_case(rng, area, users[email], manager, coordinator, police, today))
    db.session.flush()

    # The newest two were referred in the last few days: no contact yet (one is overdue).
    fresh = {len(active) - 1: 100, len(active) - 2: 20}
    for index, allocation in enumerate(active):
        case = db.session.get(Case, allocation.case_id)
        received = _received_at(case, now)
        if index in fresh:
            received = now - timedelta(hours=fresh[index])
        opened = received + timedelta(hours=[2, 5, 20, 26, 60][index % 5])
        allocation.started_at = min(opened, now - timedelta(hours=1))
        allocation.allocated_by_id = manager.id
        reopened = index == 2
        if reopened:
            _closed_support(rng, case, indra, manager, now - timedelta(days=240), now - timedelta(days=120))
            received = now - timedelta(days=10, hours=3)
            allocation.started_at = received + timedelta(hours=4)
        support = _support(case, allocation, received, targets, reopens=reopened)
        if index not in fresh:
            idva = db.session.get(User, allocation.idva_id)
            _work(rng, case, support, idva, index, now, today, targets)
            if index % 3 != 1:
                _review(rng, case, idva, today, area)

    for allocation in to_close:
        case = db.session.get(Case, allocation.case_id)
        received = _received_at(case, now)
        allocation.started_at = received + timedelta(hours=6)
        closed = max(
            now - timedelta(days=21), min(allocation.started_at + timedelta(days=30), now - timedelta(hours=2))
        )
        support = _support(case, allocation, received, targets)
        _work(rng, case, support, indra, 1, closed - timedelta(days=1), uk_date(closed), targets)
        _close(support, indra, closed, reason="risk_reduced", satisfaction=5)
        allocation.ended_at = support.closed_at

    # Half the MARAC feedback tasks of the past meeting are done.
    for number, task in enumerate(db.session.scalars(sa.select(IdvaTask).order_by(IdvaTask.id))):
        if number % 2 == 0:
            caseload.complete_task(task, db.session.get(User, task.idva_id) if task.idva_id else manager, now=now)
    db.session.commit()


def _date_referrals(rng, now):
    """Demo referrals were all sent 'now': date each on the day it was made instead."""
    for referral in db.session.scalars(sa.select(Referral).where(Referral.referred_on.is_not(None))):
        referral.submitted_at = min(_at(referral.referred_on, 9, rng.choice([5, 20, 35, 50])), now)


def _date_queue(now):
    """The cases waiting for an IDVA: referred in the last few days, for a range of waits."""
    waiting = db.session.scalars(
        sa.select(Case).where(caseload.awaiting_allocation()).order_by(Case.area_id, Case.id)
    ).all()
    for index, case in enumerate(waiting):
        moment = now - timedelta(hours=QUEUE_WAITS[index % len(QUEUE_WAITS)])
        for referral in db.session.scalars(
            sa.select(Referral).where(Referral.case_id == case.id, Referral.status.in_(caseload.WAITING_STATUSES))
        ):
            referral.submitted_at = moment
            referral.referred_on = uk_date(moment)
    db.session.flush()


def _received_at(case, now):
    first = db.session.scalar(
        sa.select(sa.func.min(Referral.submitted_at)).where(
            Referral.case_id == case.id,
            Referral.status.in_([ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED]),
        )
    )
    return first or (case.created_at if case.created_at < now else now - timedelta(days=30))


def _new_allocated_case(rng, area, idva, manager, coordinator, police, today):
    women = rng.random() < 0.9
    victim = cases.new_person(
        _person(
            rng, FIRST_NAMES_F if women else FIRST_NAMES_M, area.name, born_between=(date(1965, 1, 1), date(2006, 1, 1))
        )
    )
    perpetrator = cases.new_person(
        _person(
            rng, FIRST_NAMES_M if women else FIRST_NAMES_F, area.name, born_between=(date(1960, 1, 1), date(2004, 1, 1))
        )
    )
    case = cases.create_case(
        area=area,
        victim=victim,
        perpetrators=[(perpetrator, rng.choice(["partner", "ex_partner"]))],
        notes={},
        user=coordinator,
    )
    assessed_on = today - timedelta(days=rng.randrange(6, 110))
    case.created_at = _at(assessed_on, 9)
    assessment = _completed(
        rng, case, rng.choice([14, 15, 16, 17, 19]), assessed_on, police, risk_scoring.Thresholds.for_area(area)
    )
    referral = _referral(case, assessment, assessed_on, police, coordinator, ReferralStatus.ACCEPTED)
    referral.submitted_at = _at(assessed_on, 10, 15)
    allocation = Allocation(
        case_id=case.id, idva_id=idva.id, allocated_by_id=manager.id, started_at=referral.submitted_at
    )
    db.session.add(allocation)
    cases.involve_agency(case, idva.agency_id, "allocated")
    return allocation


def _support(case, allocation, received, targets, *, reopens=False):
    earlier = (
        db.session.scalar(sa.select(Support).where(Support.case_id == case.id).order_by(Support.id.desc()).limit(1))
        if reopens
        else None
    )
    support = Support(
        case_id=case.id,
        reopens_id=earlier.id if earlier else None,
        received_at=received,
        opened_at=allocation.started_at,
        opened_by_id=allocation.allocated_by_id,
        triage_due_at=received + timedelta(hours=targets.triage_hours),
        first_contact_due_on=caseload.first_contact_due(received, targets),
        intake_risk_level=db.session.scalar(
            sa.select(caseload.latest_assessment(RiskAssessment.level)).where(Case.id == case.id)
        ),
    )
    db.session.add(support)
    db.session.flush()
    allocation.support_id = support.id
    for task in db.session.scalars(sa.select(IdvaTask).where(IdvaTask.case_id == case.id)):
        task.support_id = support.id
    return support


def _work(rng, case, support, idva, index, now, today, targets):
    """Contacts and attempts, intake, a safety plan, onward referrals: more the longer it is open."""
    start = uk_date(support.opened_at)
    # First contact: one or two attempts, then contact; late for every sixth case.
    late = index % 6 == 4
    day = support.first_contact_due_on + timedelta(days=2) if late else start
    for attempt in range(index % 3):
        moment = _working_moment(rng, day + timedelta(days=attempt // 2))
        if moment >= now:
            break
        caseload.log_contact(
            case,
            support,
            idva,
            contacted_at=moment,
            method=ContactMethod.PHONE,
            outcome=rng.choice([ContactOutcome.NO_ANSWER, ContactOutcome.MESSAGE_LEFT, ContactOutcome.NOT_SAFE]),
            was_safe=None if attempt else True,
        )
    first = _working_moment(rng, support.first_contact_due_on + timedelta(days=2) if late else day + timedelta(days=1))
    if first >= now:
        return
    caseload.log_contact(
        case,
        support,
        idva,
        contacted_at=first,
        method=rng.choice([ContactMethod.PHONE, ContactMethod.IN_PERSON]),
        outcome=ContactOutcome.SPOKE,
        was_safe=True,
        note="Introduced the IDVA service; agreed safe times and ways to make contact.",
    )
    # Then about every two weeks; some are now overdue.
    moment = first + timedelta(days=rng.choice([10, 13, 15]))
    while moment < now - timedelta(days=rng.choice([2, 9, 17])):
        caseload.log_contact(
            case,
            support,
            idva,
            contacted_at=_working_moment(rng, uk_date(moment)),
            method=rng.choice(list(ContactMethod)),
            outcome=rng.choice([ContactOutcome.SPOKE, ContactOutcome.SPOKE, ContactOutcome.NO_ANSWER]),
            was_safe=rng.choice([True, True, None]),
        )
        moment += timedelta(days=rng.choice([12, 14, 16]))
    if index % 4 == 1:
        support.next_contact_on = today + timedelta(days=rng.randrange(1, 10))
    if index % 5 != 3:
        db.session.flush()  # the support's changes above written: its version is the one saved
        caseload.save_intake(
            support,
            {
                "needs": {key: rng.choice(["none", "low", "medium", "high"]) for key in NEED_CATEGORIES},
                "abuse_ongoing": True,
                "feels_safe": rng.choice([1, 2, 2, 3]),
                "quality_of_life": rng.choice([1, 2, 3]),
            },
            version=support.version,
        )
        support.intake_recorded_at = first
    if index % 5 in (0, 1, 2):
        _plan(rng, case, idva, first, today, versions=2 if index % 10 == 0 else 1)
    if index % 3 == 0:
        caseload.add_onward_referral(
            case,
            support,
            idva,
            service=rng.choice(["housing", "legal", "counselling", "children", "finance"]),
            referred_on=uk_date(first) + timedelta(days=3),
            note="Referral accepted; first appointment offered.",
        )


def _plan(rng, case, idva, first, today, *, versions):
    db.session.flush()
    done = caseload.plan_versions(case.id)
    for version in range(done + 1, done + versions + 1):
        db.session.add(
            SafetyPlan(
                case_id=case.id,
                version=version,
                review_on=today + timedelta(days=rng.choice([-3, 7, 14, 21, 28])),
                home_security="Locks changed through the sanctuary scheme; police marker on the address.",
                emergency_plan="999 (press 55 if unable to speak). Bag kept at a friend's house. Code word agreed.",
                legal_protection="Non-molestation order granted without notice; return hearing listed."
                if version > 1
                else "Advice given on a non-molestation order.",
                legal_orders=["non_molestation"] if version > 1 else [],
                housing="Housing options appointment booked." if rng.random() < 0.5 else None,
                children="School told who may collect the children." if rng.random() < 0.5 else None,
                online_safety="Location sharing turned off; passwords changed.",
                created_at=first + timedelta(days=2 * version),
                created_by_id=idva.id,
            )
        )


def _closed_support(rng, case, idva, manager, opened, closed):
    """An earlier period of support that ended: the victim disengaged."""
    targets = caseload.Targets()
    allocation = Allocation(
        case_id=case.id, idva_id=idva.id, allocated_by_id=manager.id, started_at=opened, ended_at=closed
    )
    db.session.add(allocation)
    support = _support(case, allocation, opened - timedelta(hours=20), targets)
    _work(rng, case, support, idva, 1, closed, uk_date(closed), targets)
    _close(support, idva, closed, reason="disengaged", satisfaction=None)


def _close(support, idva, when, *, reason, satisfaction):
    support.closed_at = when
    support.closed_by_id = idva.id
    support.closure_reason = reason
    better = reason == "risk_reduced"
    lower = {"high": "medium", "medium": "standard", "standard": "standard"}
    support.exit_risk_level = lower.get(support.intake_risk_level) if better else support.intake_risk_level
    support.exit_abuse_ongoing = not better
    support.exit_feels_safe = 4 if better else 2
    support.exit_quality_of_life = 4 if better else 2
    support.satisfaction = satisfaction
    for name, value in caseload.match_outcomes(
        intake_abuse_ongoing=support.intake_abuse_ongoing,
        exit_abuse_ongoing=support.exit_abuse_ongoing,
        intake_risk_level=support.intake_risk_level,
        exit_risk_level=support.exit_risk_level,
        intake_feels_safe=support.intake_feels_safe,
        exit_feels_safe=support.exit_feels_safe,
        intake_quality_of_life=support.intake_quality_of_life,
        exit_quality_of_life=support.exit_quality_of_life,
    ).items():
        setattr(support, name, value)
    caseload.save_needs(support, NeedStage.EXIT, {key: "low" if better else "medium" for key in NEED_CATEGORIES})


def _review(rng, case, idva, today, area):
    """A risk review (a new DASH by the IDVA) in the last eight weeks, a little lower than before."""
    latest = assessments.current(case.id)
    yes = max((latest.score or 10) - rng.randrange(0, 4), 3) if latest else 12
    assessed_on = today - timedelta(days=rng.randrange(3, 50))
    if latest and latest.assessed_on and assessed_on <= latest.assessed_on:
        return
    _completed(rng, case, yes, assessed_on, idva.agency, risk_scoring.Thresholds.for_area(area))
