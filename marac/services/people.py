"""People records and the keys that find them again (victim matching)."""

import sqlalchemy as sa

from marac.services import matching, versions
from models import Case, CaseChild, CasePerpetrator, Person, PersonAlias, PersonMatchKey, db

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


def refresh_match_keys(person, *, also=()):
    """Rewrite a person's blocking keys after their names, date of birth, postcode or its
    confidentiality changed; with the keys of `also` (matching.PersonDetails) besides."""
    db.session.flush()
    keys = details_of(person).keys().union(*(details.keys() for details in also))
    db.session.execute(sa.delete(PersonMatchKey).where(PersonMatchKey.person_id == person.id))
    if keys:
        db.session.execute(sa.insert(PersonMatchKey), [{"person_id": person.id, "key": key} for key in sorted(keys)])


def save_person(person, data):
    apply_details(person, data)
    refresh_match_keys(person)
    return person


MATCH_CANDIDATE_LIMIT = 500


def details_of(person):
    """What matching knows of a person on record. A confidential address is not one of them: it
    makes no key and no reason, and moves no ranking, so no one learns it by trying postcodes."""
    return matching.PersonDetails(
        first_name=person.first_name,
        last_name=person.last_name,
        aliases=tuple((alias.first_name, alias.last_name) for alias in person.aliases),
        date_of_birth=person.date_of_birth,
        postcode=None if person.is_address_confidential else person.postcode,
        id=person.id,
    )


def candidates_by_keys(query, within=None):
    """A select of the people sharing a blocking key with `query` (a matching.PersonDetails), at
    most MATCH_CANDIDATE_LIMIT, among `within` (a WHERE clause on Person; None is everyone).
    None when the details make no key."""
    keys = query.lookup_keys()
    if not keys:
        return None
    candidate_ids = sa.select(PersonMatchKey.person_id).where(PersonMatchKey.key.in_(sorted(keys)))
    if within is not None:
        # Before the limit: people the user may not see must not crowd out those they may.
        candidate_ids = candidate_ids.join(Person, Person.id == PersonMatchKey.person_id).where(within)
    candidate_ids = candidate_ids.distinct().limit(MATCH_CANDIDATE_LIMIT)
    return sa.select(Person).where(Person.id.in_(candidate_ids))


def possible_matches(query, *, limit=5, threshold=matching.THRESHOLD, within=None):
    """People on record who may be the person `query` (a matching.PersonDetails) describes.

    Candidates come from the indexed blocking keys, never a scan. `within` limits the candidates
    (a WHERE clause on Person: for a referrer, access.visible_people; None is everyone, for the
    coordinator's triage). Returns (Match, Person) pairs, best first.
    """
    statement = candidates_by_keys(query, within)
    if statement is None:
        return []
    candidates = {person.id: person for person in db.session.scalars(statement)}
    ranked = matching.rank(
        query, [details_of(person) for person in candidates.values()], limit=limit, threshold=threshold
    )
    return [(match, candidates[match.person_id]) for match in ranked]


def case_links(person_ids):
    """A subquery of (person_id, case_id, role) for each case the people are in."""
    victims = sa.select(Case.victim_id, Case.id, sa.literal("Victim")).where(Case.victim_id.in_(person_ids))
    perpetrators = sa.select(CasePerpetrator.person_id, CasePerpetrator.case_id, sa.literal("Perpetrator")).where(
        CasePerpetrator.person_id.in_(person_ids)
    )
    children = sa.select(CaseChild.person_id, CaseChild.case_id, sa.literal("Child")).where(
        CaseChild.person_id.in_(person_ids)
    )
    return sa.union_all(victims, perpetrators, children).subquery()


# Two records of one person


class CannotMerge(Exception):
    """The two records cannot be one person (the victim and the perpetrator of one case)."""


def merge(duplicate, into):
    """Make `duplicate` and `into` one person, `into`: every case naming the duplicate names
    `into` instead (as victim, perpetrator or child), the duplicate's names and other names become
    other names of `into`, its blocking keys stay with `into`, and the duplicate record goes.

    The record on file keeps its details, its blanks filled from the duplicate; the duplicate's
    address and phone, where it has them, are the newer and replace the old (the address kept
    confidential if either was). Raises CannotMerge, changing nothing, when one case names them as
    its victim and its perpetrator. Returns the number of cases that now name `into` instead. The
    caller commits: it is one transaction.

    Both rows are locked first (in id order, so two merges of the same pair cannot deadlock): a
    second merge of the same duplicate waits for the first, then finds it gone and is refused."""
    if duplicate.id == into.id:
        raise CannotMerge("A record cannot be merged with itself")
    ids = (duplicate.id, into.id)
    try:
        for person in sorted((duplicate, into), key=lambda person: person.id):
            versions.lock(person)
    except sa.exc.NoResultFound:
        raise CannotMerge("One of the two records has just been merged with another") from None
    both_sides = sa.exists().where(
        CasePerpetrator.case_id == Case.id,
        CasePerpetrator.person_id.in_(ids),
        CasePerpetrator.person_id != Case.victim_id,
    )
    if db.session.scalar(sa.select(sa.exists().where(Case.victim_id.in_(ids), both_sides))):
        raise CannotMerge("One case names them as its victim and as its perpetrator")
    duplicate_details = details_of(duplicate)  # its keys, before its details change hands
    _take_names(into, duplicate)
    _take_details(into, duplicate)
    db.session.flush()
    unsynchronised = {"synchronize_session": False}  # the session is expired below instead
    cases = set(db.session.scalars(sa.select(Case.id).where(Case.victim_id == duplicate.id)))
    db.session.execute(
        sa.update(Case).where(Case.victim_id == duplicate.id).values(victim_id=into.id),
        execution_options=unsynchronised,
    )
    for link in (CasePerpetrator, CaseChild):
        cases |= set(db.session.scalars(sa.select(link.case_id).where(link.person_id == duplicate.id)))
        # A case naming both keeps one row: the record on file's.
        named_already = sa.select(link.case_id).where(link.person_id == into.id)
        db.session.execute(
            sa.delete(link).where(link.person_id == duplicate.id, link.case_id.in_(named_already)),
            execution_options=unsynchronised,
        )
        db.session.execute(
            sa.update(link).where(link.person_id == duplicate.id).values(person_id=into.id),
            execution_options=unsynchronised,
        )
    db.session.delete(duplicate)
    refresh_match_keys(into, also=[duplicate_details])
    db.session.expire_all()  # cases and links loaded before still named the duplicate
    return len(cases)


def _name_key(first, last):
    return matching.normalise_name(first), matching.normalise_name(last)


def _take_names(into, duplicate):
    """The duplicate's name and other names, as other names of `into` where it has not got them."""
    known = {_name_key(into.first_name, into.last_name)}
    known |= {_name_key(alias.first_name, alias.last_name) for alias in into.aliases}
    names = [(duplicate.first_name, duplicate.last_name)]
    names += [(alias.first_name, alias.last_name) for alias in duplicate.aliases]
    for first, last in names:
        if _name_key(first, last) not in known:
            known.add(_name_key(first, last))
            into.aliases.append(PersonAlias(first_name=first, last_name=last))


# Details that only mean something together: an address with its postcode (and whether it is
# confidential), a phone number with whether it is safe to call. Each moves as one.
ADDRESS_FIELDS = ("address", "postcode", "is_address_confidential")
PHONE_FIELDS = ("phone", "is_safe_to_call")


def _take_details(into, duplicate):
    if duplicate.address or duplicate.postcode:
        confidential = bool(into.is_address_confidential or duplicate.is_address_confidential)
        into.address, into.postcode, into.is_address_confidential = duplicate.address, duplicate.postcode, confidential
    if duplicate.phone:
        into.phone, into.is_safe_to_call = duplicate.phone, duplicate.is_safe_to_call
    for field in PERSON_FIELDS:
        if field in ADDRESS_FIELDS + PHONE_FIELDS:
            continue
        if getattr(into, field) in (None, "") and getattr(duplicate, field) not in (None, ""):
            setattr(into, field, getattr(duplicate, field))
