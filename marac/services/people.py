"""People records and the keys that find them again (victim matching)."""

import sqlalchemy as sa

from marac.services import matching
from models import Person, PersonAlias, PersonMatchKey, db

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "disability",
    "lgbt",
    "language",
    "needs_interpreter",
    "address",
    "postcode",
    "is_address_confidential",
    "phone",
)


def apply_details(person, data):
    """Copy a person form's answers (see NameFields.person_data) onto a Person.

    Fields the form did not have are left as they are.
    """
    for field in PERSON_FIELDS:
        if field in data:
            value = data[field]
            setattr(person, field, value if isinstance(value, bool) or value else None)
    if data.get("postcode"):
        person.postcode = normalise_postcode(data["postcode"])
    if "is_safe_to_call" in data:
        person.is_safe_to_call = {"yes": True, "no": False}.get(data["is_safe_to_call"])
    if "aliases" in data:
        person.aliases = [PersonAlias(first_name=first, last_name=last) for first, last in data["aliases"]]
    db.session.add(person)
    return person


def aliases_text(person):
    return "\n".join(alias.full_name for alias in person.aliases)


def normalise_postcode(postcode):
    compact = postcode.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}"


def refresh_match_keys(person):
    """Rewrite a person's blocking keys after their names, date of birth or postcode changed."""
    db.session.flush()
    keys = details_of(person).keys()
    db.session.execute(sa.delete(PersonMatchKey).where(PersonMatchKey.person_id == person.id))
    if keys:
        db.session.execute(sa.insert(PersonMatchKey), [{"person_id": person.id, "key": key} for key in sorted(keys)])


def save_person(person, data):
    apply_details(person, data)
    refresh_match_keys(person)
    return person


MATCH_CANDIDATE_LIMIT = 500


def details_of(person):
    return matching.PersonDetails(
        first_name=person.first_name,
        last_name=person.last_name,
        aliases=tuple((alias.first_name, alias.last_name) for alias in person.aliases),
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        id=person.id,
    )


def possible_matches(query, *, limit=5, threshold=matching.THRESHOLD, within=None):
    """People on record who may be the person `query` (a matching.PersonDetails) describes.

    Candidates come from the indexed blocking keys, never a scan. `within` optionally limits the
    candidates to a set of person ids (a WHERE clause on Person.id). Returns (Match, Person) pairs,
    best first.
    """
    keys = query.lookup_keys()
    if not keys:
        return []
    candidate_ids = (
        sa.select(PersonMatchKey.person_id)
        .where(PersonMatchKey.key.in_(sorted(keys)))
        .distinct()
        .limit(MATCH_CANDIDATE_LIMIT)
    )
    statement = sa.select(Person).where(Person.id.in_(candidate_ids))
    if within is not None:
        statement = statement.where(within)
    candidates = {person.id: person for person in db.session.scalars(statement)}
    ranked = matching.rank(
        query, [details_of(person) for person in candidates.values()], limit=limit, threshold=threshold
    )
    return [(match, candidates[match.person_id]) for match in ranked]
