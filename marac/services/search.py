"""Searching for cases and the people in them, within what the searcher may see.

One box takes any mix of: a case or referral reference (C000054, R000123), names (whole, partial
or misspelt; other names too), a date of birth (14/5/1991, 14 May 1991, 1991-05-14) and a
postcode. Names are ranked by the matching of referrals (`matching.score`; one name alone is taken
as a surname, `matching.score_surname`), each result with the reasons it matched. Candidates come
from indexes only: the matching keys, and surnames by their first letters.

The terms are personal data: they are kept in a SavedSearch (owned by the searcher, short-lived)
so that the results page has only an opaque id in its address, and never written to the audit.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from marac.services import access, matching
from marac.services.people import candidates_by_keys, case_links, details_of
from models import Case, Person, PersonAlias, Referral, SavedSearch, db

# How long a results page can be returned to; the scheduler removes older searches.
LIFETIME = timedelta(hours=1)
# A search is looser than referral matching: a caseworker scans the list themselves.
SEARCH_THRESHOLD = 0.6
# The most people ranked, and the most rows (a person in each of their cases) listed.
CANDIDATE_LIMIT = 500
RESULT_LIMIT = 200
# The most name words looked up. Surnames are looked up by their first four letters: a misspelling
# after them is still found, and at national scale a prefix is shared by few enough people.
MAX_WORDS = 4
PREFIX_LETTERS = 4

_REFERENCE = re.compile(r"^([CR])0*(\d{1,9})$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
_WORDED_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.? (\d{4})\b", re.I)


_SAVED_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # models.search: secrets.token_urlsafe(16)


class NotUnderstood(ValueError):
    """The terms hold nothing to search by, or a date that is not a real one (the message says)."""


@dataclass(frozen=True)
class Terms:
    names: tuple[str, ...] = ()
    references: tuple[tuple[str, int], ...] = ()  # ("C" or "R", id)
    date_of_birth: date | None = None
    postcode: str | None = None

    def audited(self):
        """What the audit records of a search: which kinds of terms it had, never the terms."""
        return {
            "by_name": bool(self.names),
            "by_reference": bool(self.references),
            "by_date_of_birth": self.date_of_birth is not None,
            "by_postcode": self.postcode is not None,
        }


@dataclass
class Result:
    """A row of results: a person in a case, or a referral that has no case the user may see."""

    score: float
    reasons: tuple[str, ...]
    person: Person | None = None
    case: Case | None = None
    role: str | None = None
    referral: Referral | None = None


def parse(text):
    """The Terms of what was typed; NotUnderstood when there is nothing to search by."""
    text = " ".join((text or "").split())
    found_date = None
    for pattern, order in ((_ISO_DATE, "ymd"), (_WORDED_DATE, "dmy"), (_NUMERIC_DATE, "dmy")):
        if match := pattern.search(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = int(parts["m"]) if parts["m"].isdigit() else _MONTHS[parts["m"].lower()]
            try:
                found_date = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                raise NotUnderstood("Date of birth must be a real date") from None
            text = text[: match.start()] + " " + text[match.end() :]
            break
    postcode = None
    if match := _POSTCODE.search(text):
        postcode = f"{match.group(1)} {match.group(2)}".upper()
        text = text[: match.start()] + " " + text[match.end() :]
    references, names = [], []
    for word in text.split():
        if match := _REFERENCE.match(word):
            references.append((match.group(1).upper(), int(match.group(2))))
        else:
            # A number alone is no name (a house number, a date written another way).
            names.extend(part for part in matching.normalise_name(word).split() if not part.isdigit())
    terms = Terms(tuple(names[:MAX_WORDS]), tuple(references[:MAX_WORDS]), found_date, postcode)
    if not (terms.names or terms.references or terms.date_of_birth or terms.postcode):
        raise NotUnderstood("Enter a name, a reference, a date of birth or a postcode")
    return terms


def find(user, terms):
    """[Result], best first: what the terms find among the cases and referrals the user may see."""
    results = _by_reference(user, terms.references)
    results += _people_in_cases(user, _ranked_people(user, terms))
    seen, unique = set(), []
    for result in results:
        key = (
            result.person and result.person.id,
            result.case and result.case.id,
            result.referral and result.referral.id,
        )
        if key not in seen:
            seen.add(key)
            unique.append(result)
    return unique[:RESULT_LIMIT]


def _by_reference(user, references):
    results = []
    case_ids = [number for kind, number in references if kind == "C"]
    referral_ids = [number for kind, number in references if kind == "R"]
    if case_ids:
        cases = db.session.scalars(sa.select(Case).where(Case.id.in_(case_ids), access.visible_cases(user)))
        results += [Result(1.0, ("Case reference",), case.victim, case, "Victim") for case in cases]
    if referral_ids:
        referrals = db.session.scalars(
            sa.select(Referral).where(Referral.id.in_(referral_ids), access.visible_referrals(user))
        ).all()
        seen_cases = access.seen_case_ids(user, [referral.case_id for referral in referrals])
        for referral in referrals:
            if referral.case_id in seen_cases:
                reason = f"Referral {referral.reference} of this case"
                results.append(Result(1.0, (reason,), referral.case.victim, referral.case, "Victim"))
            else:
                results.append(Result(1.0, ("Referral reference",), referral=referral))
    return results


def _ranked_people(user, terms):
    """[(Match, Person)] of the people the user may see whom the names, date of birth and
    postcode find, best first."""
    within = access.visible_people(user)
    if not terms.names:
        if terms.date_of_birth is None and terms.postcode is None:
            return []
        # No name: the people with exactly this date of birth and postcode. A confidential
        # address is never searched by (as in matching: no one learns it by trying postcodes).
        conditions = [within]
        reasons = []
        if terms.date_of_birth is not None:
            conditions.append(Person.date_of_birth == terms.date_of_birth)
            reasons.append("Same date of birth")
        if terms.postcode is not None:
            conditions += [Person.postcode == terms.postcode, Person.is_address_confidential.is_(False)]
            reasons.append("Same postcode")
        people = db.session.scalars(
            sa.select(Person)
            .where(*conditions)
            .order_by(Person.last_name, Person.first_name, Person.id)
            .limit(CANDIDATE_LIMIT)
        ).all()
        return [(matching.Match(person.id, 1.0, tuple(reasons)), person) for person in people]

    first, last = " ".join(terms.names[:-1]), terms.names[-1]
    query = matching.PersonDetails(first, last, date_of_birth=terms.date_of_birth, postcode=terms.postcode)
    candidates = {person.id: person for person in _candidates(query, terms.names, within)}
    ranked = []
    for person in candidates.values():
        details = details_of(person)
        if first:
            match = matching.score(query, details)
            if terms.date_of_birth is None:
                # Not asked for: whether the record has one is no reason.
                reasons = tuple(reason for reason in match.reasons if not reason.startswith("Date of birth missing"))
                match = matching.Match(match.person_id, match.score, reasons)
        else:
            match = matching.score_surname(last, details, terms.date_of_birth, terms.postcode)
        if match.score >= SEARCH_THRESHOLD:
            ranked.append((match, person))
    ranked.sort(key=lambda pair: (-pair[0].score, pair[1].last_name.lower(), pair[1].first_name.lower(), pair[1].id))
    return ranked


def _candidates(query, names, within):
    """The people sharing a matching key with the query, and those whose surname (or other
    surname) begins as one of the names does: each from an index, at most CANDIDATE_LIMIT."""
    # A two-letter word is a surname's whole beginning only where a surname is typed (last): as a
    # first name ("Jo") it would begin far too many surnames.
    words = [name for name in names[:-1] if len(name) >= 3] + [name for name in names[-1:] if len(name) >= 2]
    prefixes = sorted({name[:PREFIX_LETTERS] for name in words})
    starts = sa.union(
        *(sa.select(Person.id).where(_begins(Person.last_name, prefix)) for prefix in prefixes),
        *(sa.select(PersonAlias.person_id).where(_begins(PersonAlias.last_name, prefix)) for prefix in prefixes),
    )
    found = []
    if prefixes:
        found += db.session.scalars(sa.select(Person).where(Person.id.in_(starts), within).limit(CANDIDATE_LIMIT))
    by_keys = candidates_by_keys(query, within)
    if by_keys is not None:
        found += db.session.scalars(by_keys)
    return found


def _begins(column, prefix):
    """lower(column) begins with the prefix, through the index of lower(column): PostgreSQL's
    (text_pattern_ops) serves the LIKE, SQLite's (whose LIKE ignores case, so no index) the range."""
    lowered = sa.func.lower(column)
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa.and_(lowered.like(f"{prefix}%"), lowered >= prefix, lowered < after)


def _people_in_cases(user, ranked):
    """A Result for each case (that the user may see) of each person found, in the people's order."""
    if not ranked:
        return []
    matches = {person.id: match for match, person in ranked}
    links = case_links(list(matches))
    rows = db.session.execute(
        sa.select(Person, Case, links.c[2])
        .join(links, links.c[0] == Person.id)
        .join(Case, Case.id == links.c[1])
        .where(access.visible_cases(user))
        .order_by(Case.id)
    ).all()
    order = {person_id: index for index, person_id in enumerate(matches)}
    rows = sorted(rows, key=lambda row: order[row[0].id])
    return [
        Result(matches[person.id].score, matches[person.id].reasons, person, case, role) for person, case, role in rows
    ]


# -- Saved searches ---------------------------------------------------------------------------


def save(user, text):
    """Keep what the user searched for, to be run again from its results page."""
    saved = SavedSearch(user_id=user.id, terms=" ".join(text.split()))
    db.session.add(saved)
    db.session.flush()
    return saved


def saved(user, search_id, now):
    """The user's own saved search if it has not expired, else None: another user's is as if it
    did not exist. An id that could not have been made is none (no query: a NUL is an error on PostgreSQL)."""
    if not _SAVED_ID.fullmatch(search_id):
        return None
    return db.session.scalar(
        sa.select(SavedSearch).where(
            SavedSearch.id == search_id, SavedSearch.user_id == user.id, SavedSearch.created_at >= now - LIFETIME
        )
    )


def purge_job(now):
    """Remove the searches that have expired (the scheduler, hourly): their terms are personal data."""
    result = db.session.execute(sa.delete(SavedSearch).where(SavedSearch.created_at < now - LIFETIME))
    return {"deleted": result.rowcount}


def cases_of_area(user, area_id, *, case_id=None, name=None):
    """[(case, person found, role)]: cases of one area the user may see, by case number or by what
    the search finds (a name, a reference), for adding one to a meeting's list by hand."""
    if case_id:
        case = access.get_visible_case(user, case_id)
        return [(case, case.victim, "Victim")] if case is not None and case.area_id == area_id else []
    try:
        terms = parse(name)
    except NotUnderstood:
        return []
    return [
        (result.case, result.person, result.role)
        for result in find(user, terms)
        if result.case is not None and result.case.area_id == area_id
    ]
