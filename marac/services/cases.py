"""Cases: creating them, the people in them, and what the case pages show."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import assessments, paging, repeats
from marac.services.people import save_person
from marac.services.text import plural
from models import (
    Allocation,
    Case,
    CaseAgency,
    CaseChild,
    CasePerpetrator,
    Person,
    Referral,
    RiskAssessment,
    Role,
    db,
)
from models.base import insert_if_absent
from models.clock import uk_today
from models.risk import current_assessment

NOTE_FIELDS = ("victim_fears", "safe_to_share_with", "not_safe_to_share_with")


def involve_agency(case, agency_id, reason):
    """Record that an agency has a part in a case, if it has not one already (its first reason
    stays). Safe when two requests do it at once."""
    insert_if_absent(CaseAgency.__table__, case_id=case.id, agency_id=agency_id, reason=reason, since=uk_today())


def create_case(*, area, victim, perpetrators, notes, user):
    """A new case. `victim` is a Person (new or matched); `perpetrators` (Person, relationship) pairs."""
    case = Case(area=area, victim=victim, created_by_id=user.id, **{f: notes.get(f) or None for f in NOTE_FIELDS})
    for person, relationship in perpetrators:
        case.perpetrators.append(CasePerpetrator(person=person, relationship_to_victim=relationship))
    db.session.add(case)
    db.session.flush()
    involve_agency(case, user.agency_id, "created")
    if user.has_role(Role.IDVA):
        # An IDVA who opens a case supports it until a manager allocates otherwise.
        db.session.add(Allocation(case_id=case.id, idva_id=user.id, allocated_by_id=user.id))
    return case


def new_person(data):
    return save_person(Person(), data)


def add_perpetrator(case, data):
    person = new_person(data)
    case.perpetrators.append(CasePerpetrator(person=person, relationship_to_victim=data["relationship_to_victim"]))
    return person


def add_child(case, data):
    person = new_person(data)
    case.children.append(
        CaseChild(
            person=person,
            relationship_to_victim=data["relationship_to_victim"],
            relationship_to_perpetrator=data["relationship_to_perpetrator"],
            school=data.get("school") or None,
        )
    )
    return person


def update_notes(case, data):
    for field in NOTE_FIELDS:
        if field in data:
            setattr(case, field, data[field] or None)


def person_in_case(case, person_id):
    """The victim, a perpetrator or a child of this case, or None."""
    people = [case.victim] + [link.person for link in case.perpetrators] + [link.person for link in case.children]
    return next((person for person in people if person.id == person_id), None)


def identity(case, *, today=None, show_serial=False):
    """What the identity bar shows: who, how old, where, how risky, and the flags to notice.

    Serial perpetrators are flagged to coordinators only (`show_serial`).
    """
    today = today or uk_today()
    victim = case.victim
    latest = assessments.current(case.id)
    flags = []
    last = db.session.scalar(
        sa.select(Referral)
        .where(Referral.case_id == case.id, Referral.status.in_(repeats.COUNTED))
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(1)
    )
    if last is not None and last.is_repeat:
        flags.append("Repeat")
    if show_serial and repeats.serial_perpetrator_ids([link.person_id for link in case.perpetrators]):
        flags.append("Serial perpetrator")
    if victim.is_address_confidential:
        flags.append("Confidential address")
    if victim.is_safe_to_call is False:
        flags.append("Not safe to call")
    if victim.needs_interpreter:
        flags.append("Interpreter needed")
    if case.children:
        flags.append(f"{plural(len(case.children), 'child', 'children')} in household")
    return {
        "name": victim.full_name,
        "age": victim.age_on(today),
        "area": case.area.name,
        "level": latest.level if latest else None,
        # A newer result that lowered the level says from what, when, by whom and why.
        "lowered": latest if latest is not None and latest.lowered_from else None,
        "flags": flags,
    }


def cases_page(where, page):
    """A page of cases (with victim and latest risk level), newest first, within `where`."""
    latest_level = (
        sa.select(RiskAssessment.level)
        .where(RiskAssessment.case_id == Case.id, current_assessment())
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.completed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    query = (
        sa.select(Case, latest_level.label("level"))
        .where(where)
        .options(selectinload(Case.victim), selectinload(Case.area))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return paging.fetch_page(query, page, rows=True)
