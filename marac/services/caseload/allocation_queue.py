"""The allocation queue: the high-risk cases waiting for an IDVA, how long each has waited, and who
to give it to (each IDVA's active cases against their capacity; the victim's previous IDVA first)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from marac.services.caseload.clauses import (
    awaiting_allocation,
    latest_assessment,
    referral_received_at,
    waiting_referral,
)
from marac.services.caseload.targets import Targets
from models import Allocation, Area, Case, Person, RiskAssessment, Role, User, db
from models.clock import utcnow
from models.users import UserRole, user_areas

NEAR_CAPACITY = Decimal("0.9")  # at or above 90% of capacity is "near"


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


def previous_idvas(victim_ids, area_ids):
    """{victim id: (IDVA id, name)}: the IDVA who last supported each victim, in any case of these
    areas (the user's: who supported a victim elsewhere is not theirs to know)."""
    if not victim_ids:
        return {}
    rows = db.session.execute(
        sa.select(Case.victim_id, Allocation.idva_id, User.name)
        .join(Case, Case.id == Allocation.case_id)
        .join(User, User.id == Allocation.idva_id)
        .where(Case.victim_id.in_(list(victim_ids)), Case.area_id.in_(list(area_ids)))
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
        sa.select(sa.func.min(referral_received_at())).where(waiting_referral()).correlate(Case).scalar_subquery()
    ).label("received_at")
    rows = db.session.execute(
        sa.select(
            Case.id,
            Case.area_id,
            Area.name,
            Case.victim_id,
            Person.first_name,
            Person.last_name,
            latest_assessment(RiskAssessment.level),
            latest_assessment(RiskAssessment.score),
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


def with_suggestions(items, loads, area_ids):
    """Fill in each queue item's previous IDVA (in `area_ids`) and suggestion (one query for all)."""
    previous = previous_idvas({item.victim_id for item in items}, area_ids)
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
