"""Searching for people by name, other name or date of birth, within what the searcher may see."""

import sqlalchemy as sa

from marac.services import access, matching
from marac.services.people import case_links, possible_matches
from models import Case, Person, db

RESULT_LIMIT = 50
# A search is looser than referral matching: a caseworker scans the list themselves.
SEARCH_THRESHOLD = 0.6


def find_cases(user, *, name=None, date_of_birth=None):
    """[(person, case, role in the case)] for people matching, only in cases the user may see."""
    # Found among the people the user may see, so that others neither crowd them out of the
    # results nor rank them.
    within = access.visible_people(user)
    if name:
        words = name.split()
        query = matching.PersonDetails(
            first_name=" ".join(words[:-1]), last_name=words[-1], date_of_birth=date_of_birth
        )
        found = possible_matches(query, limit=RESULT_LIMIT, threshold=SEARCH_THRESHOLD, within=within)
        person_ids = [person.id for _match, person in found]
    else:
        person_ids = db.session.scalars(
            sa.select(Person.id).where(Person.date_of_birth == date_of_birth, within).limit(RESULT_LIMIT * 4)
        ).all()
    if not person_ids:
        return []
    links = case_links(person_ids)
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


def cases_of_area(user, area_id, *, case_id=None, name=None):
    """[(case, person found, role)]: cases of one area the user may see, by case number or by the
    name of someone in them, for adding one to a meeting's list by hand."""
    if case_id:
        case = access.get_visible_case(user, case_id)
        return [(case, case.victim, "Victim")] if case is not None and case.area_id == area_id else []
    if not name:
        return []
    return [(case, person, role) for person, case, role in find_cases(user, name=name) if case.area_id == area_id]
