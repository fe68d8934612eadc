"""Victim matching: find people who may already be on record before a new person is created.

Pure functions only (no Flask, no database), so the logic can be tested and tuned in isolation.

How it is meant to be used:

1. When a person is saved, store `blocking_keys(...)` in `person_match_keys(person_id, key)`
   (indexed on key). Re-save the keys whenever names, aliases, date of birth or postcode change.
2. For a referral, compute `lookup_keys(...)` for the details given, fetch the distinct person ids
   holding any of them (`WHERE key IN (...)`), load those people, and call `rank(query, people)`.

Keys are built so that a true match with typical errors shares at least one key with the record,
while each key stays narrow (a name code tied to a date of birth, a postcode or a second name),
so a lookup never needs to scan the people table. The one broad key, the exact full name, is only
looked up when the referral has no date of birth (or, as "nx:", to reach records that have none).

A first name also finds its nicknames and the names it shortens (Liz and Elizabeth, Bill and
William, Peggy and Margaret), from the hand-curated `nicknames` dataset (pinned in requirements.txt).
Only lookups use them: a person's stored keys hold the names as given, and since "is a nickname of"
is read both ways, a nickname looked up meets the full name stored and the other way round. So a
new dataset needs no keys stored again.

Reasons returned to the caseworker never contain dates or postcodes, and no name but the full form
of a nickname ("Nickname of Elizabeth"), which is one of the two first names compared, both shown
beside the reason. Matching reasons are not written to the audit trail.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import OSA, JaroWinkler

# Ranking: matches scoring below this are not shown. Tuned on the synthetic evaluation in
# tests/unit/test_matching.py. Shown: names alike with the same or a partly matching date of birth
# (0.75+); same names or names that sound alike, date of birth missing (0.75-0.78); same first
# name and date of birth under another surname, as after marriage (0.75). Not shown: same names
# with an unrelated date of birth (0.55, 0.63 at the same postcode); another first name with the
# same surname and date of birth, usually a twin (0.70); a mistyped name with no date of birth,
# unless at the same postcode (0.68-0.70).
THRESHOLD = 0.73

# Long input is cut before comparing: no real name is this long, and it keeps the work bounded.
MAX_NAME_CHARS = 100
# Caps on how many name parts and name pairs make keys, so one person stores at most 28 keys.
MAX_TOKENS = 6
MAX_PAIRS = 4
MAX_CODE_CHARS = 10

# Weights for the parts of a name pair, and for names against date of birth. The first name weighs
# more because surnames change (marriage, separation) far more often than first names.
FIRST_NAME_WEIGHT = 0.55
LAST_NAME_WEIGHT = 0.45
NAME_WEIGHT = 0.55
DOB_WEIGHT = 0.45
# Used when one side has no date of birth: unknown counts for less than a match, more than a clash.
DOB_UNKNOWN = 0.5
# A nickname counts as a name that sounds alike: with the date of birth it is shown, without one
# only where the full name without a date of birth would be (tests/unit/test_matching.py measures).
NICKNAME_SCORE = 0.9
# The most variants of one first name looked up; the dataset's largest set (Chris) has 18, so every
# variant is looked up and the lookups stay symmetric (a test checks the dataset against this).
MAX_VARIANTS = 24
SAME_POSTCODE_BONUS = 0.08
SAME_DISTRICT_BONUS = 0.03
# Slight preference for the straightforward reading when it scores as well as a swapped/alias one.
SWAPPED_FACTOR = 0.97
ALIAS_FACTOR = 0.98

# Characters that are simply removed (O'Brien -> obrien, St. John -> st john after spacing).
_REMOVED = {"'", "\u2019", "\u2018", "\u02bc", "`", "\u00b4", "."}
# Letters NFKD does not take apart.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PersonDetails:
    """Identifying details of a person: the referral being checked, or a person on record (with id)."""

    first_name: str
    last_name: str
    aliases: tuple[tuple[str, str], ...] = ()
    date_of_birth: date | None = None
    postcode: str | None = None
    id: int | None = None

    def keys(self) -> set[str]:
        """Keys to store for this person."""
        return blocking_keys(self.first_name, self.last_name, self.aliases, self.date_of_birth, self.postcode)

    def lookup_keys(self) -> set[str]:
        """Keys to search for when these details are a referral."""
        return lookup_keys(self.first_name, self.last_name, self.aliases, self.date_of_birth, self.postcode)


@dataclass(frozen=True)
class Match:
    person_id: int | None
    score: float
    reasons: tuple[str, ...]


# --- Normalising -------------------------------------------------------------------------------


def normalise_name(text: str | None) -> str:
    """Casefolded, unaccented name with punctuation removed and single spaces: "O'Brien-Smith" -> "obrien smith"."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_LETTERS)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in _REMOVED or category == "Mn" or (category[0] == "C" and not char.isspace()):
            # Accents (Mn), and control/format characters such as zero-width and
            # right-to-left marks (Cc/Cf), carry no spelling: drop them.
            continue
        if category[0] in "LN":
            out.append(char)
        else:
            # Hyphens, slashes, commas, symbols and odd spaces all separate words.
            out.append(" ")
    return _SPACES.sub(" ", "".join(out)).strip()


def normalise_postcode(postcode: str | None) -> str:
    """Upper case, letters and digits only: "sw1a 1aa" -> "SW1A1AA"."""
    if not postcode:
        return ""
    return "".join(char for char in postcode.upper() if char.isascii() and char.isalnum())[:8]


def _outward(postcode: str) -> str:
    """The district part of a normalised UK postcode (all but the last three characters)."""
    return postcode[:-3] if len(postcode) >= 5 else ""


def _tokens(text: str | None) -> list[str]:
    return normalise_name((text or "")[: MAX_NAME_CHARS * 4])[:MAX_NAME_CHARS].split()


def phonetic_code(token: str) -> str:
    """Metaphone for Latin-script words; other scripts have no code here, so the word itself stands in."""
    if token.isascii() and token.isalpha():
        return (jellyfish.metaphone(token) or token)[:MAX_CODE_CHARS].upper()
    return token[:MAX_CODE_CHARS]


# --- Nicknames ----------------------------------------------------------------------------------


@cache
def _nicknames() -> dict[str, frozenset[str]]:
    """{full name: its nicknames}, normalised as names here are, from the dataset (read once)."""
    table = defaultdict(set)
    for full, nicks in NickNamer.default_lookup().items():
        full = normalise_name(full)
        for nick in nicks:
            nick = normalise_name(nick)
            # One word of two letters or more each ("k.c." becomes "kc").
            if full != nick and min(len(full), len(nick)) > 1 and " " not in full + nick:
                table[full].add(nick)
    return {full: frozenset(nicks) for full, nicks in table.items()}


@cache
def _variants_table() -> dict[str, tuple[str, ...]]:
    """{name: its nicknames and the names it is a nickname of}, each sorted: the relation both ways."""
    table = defaultdict(set)
    for full, nicks in _nicknames().items():
        for nick in nicks:
            table[full].add(nick)
            table[nick].add(full)
    return {name: tuple(sorted(variants)) for name, variants in table.items()}


def name_variants(first_name: str | None) -> tuple[str, ...]:
    """Nicknames of the first given name and the names it shortens: "Liz" -> ("elizabeth", ...)."""
    given = _tokens(first_name)
    return _variants_table().get(given[0], ())[:MAX_VARIANTS] if given else ()


def full_form(a: str, b: str) -> str | None:
    """Of two normalised first names, the one the other is a nickname of, else None. The dataset
    often has both ways (Bill has the nickname William too): then the longer is the full form."""
    a, b = (a.split() or [""])[0], (b.split() or [""])[0]
    nicknames = _nicknames()
    fulls = [name for name, other in ((a, b), (b, a)) if other in nicknames.get(name, ())]
    return max(fulls, key=lambda name: (len(name), name)) if fulls else None


# --- Blocking keys ------------------------------------------------------------------------------


def _name_pairs(first_name, last_name, aliases):
    """(first, last) for the main name then each alias; an alias missing a part borrows the main one."""
    pairs = [(first_name or "", last_name or "")]
    for alias_first, alias_last in aliases or ():
        pairs.append((alias_first or first_name or "", alias_last or last_name or ""))
    return pairs


def blocking_keys(first_name, last_name, aliases=(), date_of_birth=None, postcode=None) -> set[str]:
    """Keys to store for a person: at most 28, each under 40 characters.

    A likely variant of the person shares at least one key with them (see `lookup_keys`).

    - "ys:<year><day/month in either order>:<code>" for each name part: catches a spelling error in
      the other part, swapped first/last names, and day and month written the wrong way round.
    - "ym:", "yd:", "md:" (two of the three date parts) with the codes of a first+last name pair:
      catches one wrong date part (year out by one, a typo in the day) when the names agree.
    - "pc:<postcode>:<code>" for each name part: same address, one name part alike.
    - "nm:<first>:<last>" exact name pair, order-free, looked up only by referrals without a date of
      birth; records without a date of birth also store it as "nx:", for referrals that have one.
    Each key pairs a name code with something else, so none covers a common name alone or a birth year.
    """
    pairs = _name_pairs(first_name, last_name, aliases)

    # Codes of every name part, main name first, without repeats.
    codes = []
    for first, last in pairs:
        for token in _tokens(first) + _tokens(last):
            code = phonetic_code(token)
            if code not in codes:
                codes.append(code)
    codes = codes[:MAX_TOKENS]

    # (first given name, surname part) pairs; a double-barrelled surname gives one pair per part.
    code_pairs, name_pairs = [], []
    for first, last in pairs:
        given, family = _tokens(first), _tokens(last)
        if not given or not family:
            continue
        for surname in {family[0], family[-1]}:
            code_pair = ":".join(sorted((phonetic_code(given[0]), phonetic_code(surname))))
            if code_pair not in code_pairs:
                code_pairs.append(code_pair)
            # Exact names for the no-date key: a single initial would make it far too broad.
            if len(given[0]) > 1 and len(surname) > 1:
                name_pair = ":".join(sorted((given[0][:15], surname[:15])))
                if name_pair not in name_pairs:
                    name_pairs.append(name_pair)
    code_pairs, name_pairs = code_pairs[:MAX_PAIRS], name_pairs[:MAX_PAIRS]

    keys = {f"nm:{pair}" for pair in name_pairs}
    if date_of_birth is None:
        keys |= {f"nx:{pair}" for pair in name_pairs}
    else:
        year, month, day = f"{date_of_birth.year:04d}", f"{date_of_birth.month:02d}", f"{date_of_birth.day:02d}"
        day_month = "".join(sorted((day, month)))
        keys |= {f"ys:{year}{day_month}:{code}" for code in codes}
        for pair in code_pairs:
            keys |= {f"ym:{year}{month}:{pair}", f"yd:{year}{day}:{pair}", f"md:{month}{day}:{pair}"}
    postcode = normalise_postcode(postcode)
    if postcode:
        keys |= {f"pc:{postcode}:{code}" for code in codes}
    return keys


def lookup_keys(first_name, last_name, aliases=(), date_of_birth=None, postcode=None) -> set[str]:
    """Keys to search for a referral: the stored keys of the same details and of each first name's
    nicknames and full forms (with the same surname), except that a referral with a date of birth
    does not look up everyone with the same full name ("nm:"), only those whose record has no date of
    birth ("nx:"). A namesake with a different date of birth would score below the threshold anyway,
    and at national scale a common full name is shared by hundreds of people."""
    keys = blocking_keys(first_name, last_name, aliases, date_of_birth, postcode)
    for first, last in _name_pairs(first_name, last_name, aliases):
        for variant in name_variants(first):
            keys |= blocking_keys(variant, last, (), date_of_birth, postcode)
    if date_of_birth is None:
        return {key for key in keys if not key.startswith("nx:")}
    return {key if not key.startswith("nm:") else "nx:" + key[3:] for key in keys}


# --- Scoring ------------------------------------------------------------------------------------

SAME, SOUNDS, NICKNAME, SIMILAR, SHORTENED, SHARED_PART, DIFFERENT, MISSING = (
    "same",
    "sounds alike",
    "nickname",
    "spelt similarly",
    "shortened",
    "shared part",
    "different",
    "missing",
)


def _compare_part(a: str, b: str) -> tuple[float, str]:
    """Similarity of two normalised name fields (0..1) and how they relate."""
    if not a or not b:
        return 0.0, MISSING
    if a == b:
        return 1.0, SAME
    a_tokens, b_tokens = a.split(), b.split()
    similarity = JaroWinkler.normalized_similarity(a, b)
    # Same sound, and not too far apart in spelling (metaphone alone puts Jane and John together).
    if similarity >= 0.75 and [phonetic_code(t) for t in a_tokens] == [phonetic_code(t) for t in b_tokens]:
        return 0.9, SOUNDS
    if set(a_tokens) & set(b_tokens):
        # One part of a double-barrelled or multi-part name.
        return 0.75, SHARED_PART
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 3 and len(longer) >= len(shorter) + 2 and longer.startswith(shorter):
        # Sam / Samantha, Chris / Christine.
        return 0.7, SHORTENED
    if similarity >= 0.85 or (len(shorter) >= 3 and OSA.distance(a, b) == 1):
        # A typo: close by Jaro-Winkler, or one letter added, dropped, changed or two swapped
        # (which Jaro-Winkler marks down hard in short names: Ivy / Iyv).
        return 0.7 + max(0.0, similarity - 0.85), SIMILAR
    return 0.0, DIFFERENT


def _compare_first(a: str, b: str) -> tuple[float, str, str | None]:
    """As `_compare_part`, for first names: a nickname of the other (Liz, Elizabeth) counts as a
    name that sounds alike. The third value is the full form, for the reason."""
    similarity, kind = _compare_part(a, b)
    if similarity < NICKNAME_SCORE and (full := full_form(a, b)):
        return NICKNAME_SCORE, NICKNAME, full
    return similarity, kind, None


@dataclass(frozen=True)
class _NameResult:
    score: float
    first: str
    last: str
    swapped: bool
    alias: bool
    full_form: str | None = None  # when the first names are a nickname and its full form


def _compare_names(query: PersonDetails, candidate: PersonDetails) -> _NameResult:
    """Best reading over main names and aliases on both sides, straight or first/last swapped."""
    best = None
    query_pairs = _name_pairs(query.first_name, query.last_name, query.aliases)
    candidate_pairs = _name_pairs(candidate.first_name, candidate.last_name, candidate.aliases)
    for qi, (q_first, q_last) in enumerate(query_pairs):
        q_first, q_last = " ".join(_tokens(q_first)), " ".join(_tokens(q_last))
        for ci, (c_first, c_last) in enumerate(candidate_pairs):
            c_first, c_last = " ".join(_tokens(c_first)), " ".join(_tokens(c_last))
            alias = qi > 0 or ci > 0
            for swapped in (False, True):
                full = None
                if swapped:
                    first, first_kind = _compare_part(q_first, c_last)
                    last, last_kind = _compare_part(q_last, c_first)
                else:
                    first, first_kind, full = _compare_first(q_first, c_first)
                    last, last_kind = _compare_part(q_last, c_last)
                score = FIRST_NAME_WEIGHT * first + LAST_NAME_WEIGHT * last
                score *= (SWAPPED_FACTOR if swapped else 1) * (ALIAS_FACTOR if alias else 1)
                if best is None or score > best.score:
                    best = _NameResult(score, first_kind, last_kind, swapped, alias, full)
    return best


def _compare_dob(a: date | None, b: date | None) -> tuple[float, str]:
    # A datetime never equals a date, so compare the dates.
    a, b = (x.date() if isinstance(x, datetime) else x for x in (a, b))
    if a is None or b is None:
        return DOB_UNKNOWN, "Date of birth missing on one record"
    if a == b:
        return 1.0, "Same date of birth"
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.85, "Date of birth has day and month swapped"
    same_year, same_month, same_day = a.year == b.year, a.month == b.month, a.day == b.day
    if same_month and same_day:
        if abs(a.year - b.year) == 1:
            return 0.75, "Same day and month of birth, year differs by one"
        if _one_digit_apart(str(a.year), str(b.year)):
            return 0.7, "Same day and month of birth, one digit of the year differs"
        return 0.55, "Same day and month of birth, different year"
    if same_year and same_month:
        if _one_digit_apart(f"{a.day:02d}", f"{b.day:02d}"):
            return 0.75, "Same year and month of birth, one digit of the day differs"
        return 0.6, "Same year and month of birth"
    if same_year and same_day:
        return 0.6, "Same year and day of birth"
    return 0.0, "Different date of birth"


def _one_digit_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


_PART_REASONS = {
    SAME: "Same {part}",
    SOUNDS: "{Part} spelt differently but sounds alike",
    SIMILAR: "{Part} spelt similarly",
    SHORTENED: "{Part} may be a shortened form",
    SHARED_PART: "{Part} shares a part",
    DIFFERENT: "Different {part}",
    MISSING: "{Part} missing on one record",
}


def _part_reason(kind: str, part: str) -> str:
    return _PART_REASONS[kind].format(part=part, Part=part.capitalize())


def score(query: PersonDetails, candidate: PersonDetails) -> Match:
    """How likely the candidate is the person the query describes (0..1), with plain reasons."""
    names = _compare_names(query, candidate)
    dob, dob_reason = _compare_dob(query.date_of_birth, candidate.date_of_birth)
    total = NAME_WEIGHT * names.score + DOB_WEIGHT * dob

    if names.full_form:
        first_reason = f"Nickname of {names.full_form.title()}"
    else:
        first_reason = _part_reason(names.first, "first name")
    reasons = [first_reason, _part_reason(names.last, "surname")]
    if names.swapped:
        reasons.insert(0, "First and last names swapped")
    if names.alias:
        reasons.insert(0, "Matches an alias")
    reasons.append(dob_reason)

    bonus, postcode_reason = _compare_postcode(query.postcode, candidate.postcode)
    if postcode_reason:
        reasons.append(postcode_reason)
    return Match(candidate.id, round(min(1.0, total + bonus), 3), tuple(reasons))


def _compare_postcode(a: str | None, b: str | None) -> tuple[float, str | None]:
    """What a shared postcode adds to a score, and the reason (None when nothing is shared)."""
    a, b = normalise_postcode(a), normalise_postcode(b)
    if a and a == b:
        return SAME_POSTCODE_BONUS, "Same postcode"
    if _outward(a) and _outward(a) == _outward(b):
        return SAME_DISTRICT_BONUS, "Same postcode district"
    return 0.0, None


def score_surname(surname: str, candidate: PersonDetails, date_of_birth=None, postcode=None) -> Match:
    """A search by one name, taken as a surname: how well it matches the candidate's surname or one
    of their other surnames (the same, sounding alike, spelt similarly, or its beginning), weighed
    with the date of birth and postcode as `score` weighs a whole name."""
    typed = " ".join(_tokens(surname))
    best = None
    for index, (_first, last) in enumerate(_name_pairs(candidate.first_name, candidate.last_name, candidate.aliases)):
        last = " ".join(_tokens(last))
        similarity, kind = _compare_part(typed, last)
        similarity *= ALIAS_FACTOR if index else 1
        if best is None or similarity > best[0]:
            begins = kind == SHORTENED and last.startswith(typed)
            reason = "Surname begins with the name searched" if begins else _part_reason(kind, "surname")
            best = (similarity, reason, index > 0)
    similarity, reason, alias = best
    dob, dob_reason = _compare_dob(date_of_birth, candidate.date_of_birth)
    bonus, postcode_reason = _compare_postcode(postcode, candidate.postcode)
    reasons = ["Matches an alias"] * alias + [reason]
    # An unknown date of birth is no reason: the search did not ask for one.
    reasons += [dob_reason] * (date_of_birth is not None) + [postcode_reason] * bool(postcode_reason)
    total = NAME_WEIGHT * similarity + DOB_WEIGHT * dob + bonus
    return Match(candidate.id, round(min(1.0, total), 3), tuple(reasons))


def rank(query: PersonDetails, candidates, limit: int | None = 5, threshold: float = THRESHOLD) -> list[Match]:
    """The best `limit` (None: all) candidates scoring at least `threshold`, best first, ties by id.

    With no date of birth, a common name can tie with many people: call with limit=None to tell the
    caseworker how many more there are, rather than showing five arbitrary namesakes."""
    matches = [match for match in (score(query, candidate) for candidate in candidates) if match.score >= threshold]
    matches.sort(key=lambda match: (-match.score, match.person_id if match.person_id is not None else 0))
    return matches[:limit]
