"""Searching for people by name, other name or date of birth, within what the searcher may see."""

import sqlalchemy as sa

from marac.services import access, matching
from marac.services.people import possible_matches
from models import Case, CaseChild, CasePerpetrator, Person, db

RESULT_LIMIT = 50
# A search is looser than referral matching: a caseworker scans the list themselves.
SEARCH_THRESHOLD = 0.6


def _cases_of(person_ids):
    """(person_id, case_id, role) for each case the people are in."""
    victims = sa.select(Case.victim_id, Case.id, sa.literal("Victim")).where(Case.victim_id.in_(person_ids))
    perpetrators = sa.select(CasePerpetrator.person_id, CasePerpetrator.case_id, sa.literal("Perpetrator")).where(
        CasePerpetrator.person_id.in_(person_ids)
    )
    children = sa.select(CaseChild.person_id, CaseChild.case_id, sa.literal("Child")).where(
        CaseChild.person_id.in_(person_ids)
    )
    return sa.union_all(victims, perpetrators, children).subquery()


def find_cases(user, *, name=None, date_of_birth=None):
    """[(person, case, role in the case)] for people matching, only in cases the user may see."""
    if name:
        words = name.split()
        query = matching.PersonDetails(
            first_name=" ".join(words[:-1]), last_name=words[-1], date_of_birth=date_of_birth
        )
        person_ids = [
            person.id for _match, person in possible_matches(query, limit=RESULT_LIMIT, threshold=SEARCH_THRESHOLD)
        ]
    else:
        person_ids = db.session.scalars(
            sa.select(Person.id).where(Person.date_of_birth == date_of_birth).limit(RESULT_LIMIT * 4)
        ).all()
    if not person_ids:
        return []
    links = _cases_of(person_ids)
    rows = db.session.execute(
        sa.select(Person, Case, links.c[2])
        .join(links, links.c[0] == Person.id)
        .join(Case, Case.id == links.c[1])
        .where(access.visible_cases(user))
        .order_by(Person.last_name, Person.first_name, Case.id)
        .limit(RESULT_LIMIT)
    ).all()
    order = {person_id: index for index, person_id in enumerate(person_ids)}
    return sorted(rows, key=lambda row: order.get(row[0].id, len(order)))
