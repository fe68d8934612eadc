"""Victim matching: name normalising, blocking keys, scoring, ranking, and a labelled synthetic evaluation.

All people here are synthetic: names are built at random from common words and made-up syllables,
with random dates of birth and made-up postcodes.
"""

import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import accumulate

import pytest
from nicknames import NickNamer

from marac.services import matching
from marac.services.matching import (
    MAX_VARIANTS,
    THRESHOLD,
    Match,
    PersonDetails,
    _variants_table,
    blocking_keys,
    full_form,
    name_variants,
    normalise_name,
    rank,
    score,
)

# --- normalise_name ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("  Mary-Jane   SMITH ", "mary jane smith"),
        ("Zoë Ångström", "zoe angstrom"),
        ("Renée Chloé", "renee chloe"),
        ("Søren Łukasz", "soren lukasz"),
        ("Straße", "strasse"),
        ("St. John", "st john"),
        ("Smith/Jones", "smith jones"),
        ("Smith\u2013Jones", "smith jones"),
        ("\tAnne\nMarie ", "anne marie"),
        ("", ""),
        ("   ", ""),
        ("'-.", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_normalise_name_none_is_empty():
    assert normalise_name(None) == ""


@pytest.mark.parametrize(
    "raw",
    [
        "Sm\u200bith",  # zero-width space
        "\u200fSmith\u200e",  # right-to-left and left-to-right marks
        "\u202eSmith\u202c",  # right-to-left override, pop
        "\ufeffSmith",  # byte order mark
        "Smi\u00adth",  # soft hyphen
        "S\u200dmith\u200c",  # zero-width joiner / non-joiner
    ],
)
def test_normalise_name_drops_invisible_characters(raw):
    assert normalise_name(raw) == "smith"


def test_normalise_name_keeps_other_scripts():
    assert normalise_name("Иванова") == "иванова"
    assert normalise_name("محمد") == "محمد"


def test_huge_names_do_not_blow_up():
    huge = "Ab'c-" * 2_000
    started = time.perf_counter()
    assert len(normalise_name(huge)) > 1_000
    keys = blocking_keys(huge, huge, [(huge, huge)], date(1990, 1, 2), "X" * 10_000)
    person = PersonDetails(huge, huge, ((huge, huge),), date(1990, 1, 2), "X" * 10_000, id=1)
    match = score(person, person)
    assert time.perf_counter() - started < 1
    assert keys and all(len(key) <= 40 for key in keys)
    assert match.score > 0.9


def test_odd_input_gives_no_keys_or_errors():
    assert blocking_keys("", "", [], None, None) == set()
    assert blocking_keys("\u200b", "'", [("", "")], None, "") == set()
    assert score(PersonDetails("", ""), PersonDetails("", "", id=1)).score < THRESHOLD


# --- blocking keys -----------------------------------------------------------------------------

DOB = date(1984, 3, 11)


def _shares_key(record: PersonDetails, query: PersonDetails) -> bool:
    return bool(record.keys() & query.lookup_keys())


RECORD = PersonDetails("Katherine", "Smith", (("Katherine", "Baker"),), DOB, "ZZ9 9ZZ", id=1)


@pytest.mark.parametrize(
    "variant",
    [
        PersonDetails("Katherine", "Smyth", date_of_birth=DOB),  # sounds alike
        PersonDetails("Katherine", "Smtih", date_of_birth=DOB),  # typo: code changes, first name carries it
        PersonDetails("Cathryn", "Smith", date_of_birth=DOB),  # first name variant
        PersonDetails("Smith", "Katherine", date_of_birth=DOB),  # transposed
        PersonDetails("Katherine", "Baker", date_of_birth=DOB),  # alias
        PersonDetails("Katherine", "Smith", date_of_birth=date(1984, 11, 3)),  # day and month swapped
        PersonDetails("Katherine", "Smith", date_of_birth=date(1985, 3, 11)),  # year out by one
        PersonDetails("Katherine", "Smith", date_of_birth=date(1984, 3, 17)),  # typo in day
        PersonDetails("Katherine", "Smith", date_of_birth=date(1984, 8, 11)),  # typo in month
        PersonDetails("Katherine", "Smith"),  # no date of birth
        PersonDetails("Kathy", "Smith", postcode="zz99zz"),  # same postcode, surname alike
        PersonDetails("Katherine", "Smithson", postcode="ZZ9 9ZZ"),  # same postcode, first name alike
    ],
)
def test_variants_share_a_key(variant):
    assert _shares_key(RECORD, variant)


@pytest.mark.parametrize(
    "other",
    [
        PersonDetails("Amber", "Fletcher", date_of_birth=DOB),  # same date of birth only
        PersonDetails("Katherine", "Jones", date_of_birth=date(1984, 7, 2)),  # same first name, same year
        PersonDetails("Rose", "Smith", date_of_birth=date(1984, 3, 20)),  # same surname, same year and month
        PersonDetails("Amber", "Fletcher", postcode="ZZ9 9ZZ"),  # same postcode only
        PersonDetails("Katherine", "Smith", date_of_birth=date(1991, 6, 25)),  # same name, unrelated date
    ],
)
def test_unrelated_people_share_no_key(other):
    assert not _shares_key(RECORD, other)


def test_full_name_key_is_used_only_when_a_date_of_birth_is_missing():
    namesake = PersonDetails("Smith", "Katherine")  # no date of birth: every same-name record is a lead
    assert RECORD.keys() & namesake.lookup_keys() == {"nm:katherine:smith"}
    undated_record = PersonDetails("Katherine", "Smith", id=2)
    assert undated_record.keys() & RECORD.lookup_keys() == {"nx:katherine:smith"}
    assert undated_record.keys() & namesake.lookup_keys() == {"nm:katherine:smith"}


def test_random_people_rarely_share_a_key():
    population = Population(7)
    people = [population.person(i) for i in range(2_000)]
    pairs = zip(people[::2], people[1::2], strict=True)
    assert sum(_shares_key(a, b) for a, b in pairs) <= 5  # of 1,000 pairs


def test_keys_are_short_and_few():
    keys = blocking_keys(
        "Mary Ann", "Smith-Jones", [("Polly", "Baker"), ("Mary", "Fletcher"), ("Ann", "Hill")], DOB, "ZZ9 9ZZ"
    )
    assert len(keys) <= 30
    assert all(len(key) <= 40 for key in keys)


def test_no_key_on_a_birth_year_or_first_name_alone():
    for key in RECORD.keys() | RECORD.lookup_keys():
        kind, *parts = key.split(":")
        # Every key carries a name code plus at least one other discriminating part.
        assert len(parts) >= 2, key


# --- score and reasons -------------------------------------------------------------------------


def _reasons(query, candidate=RECORD):
    return score(query, candidate).reasons


def test_exact_match_scores_highest():
    match = score(PersonDetails("Katherine", "Smith", date_of_birth=DOB, postcode="ZZ99ZZ"), RECORD)
    assert match == Match(1, 1.0, ("Same first name", "Same surname", "Same date of birth", "Same postcode"))


def test_reasons_for_transposed_names():
    reasons = _reasons(PersonDetails("Smith", "Katherine", date_of_birth=DOB))
    assert reasons[0] == "First and last names swapped"
    assert "Same first name" in reasons and "Same surname" in reasons


def test_reasons_for_alias():
    reasons = _reasons(PersonDetails("Katherine", "Baker", date_of_birth=DOB))
    assert reasons[0] == "Matches an alias"


def test_query_alias_matches_main_name():
    query = PersonDetails("Kate", "Baker", aliases=(("Katherine", "Smith"),), date_of_birth=DOB)
    assert _reasons(query)[:3] == ("Matches an alias", "Same first name", "Same surname")


@pytest.mark.parametrize(
    "dob, reason",
    [
        (date(1984, 11, 3), "Date of birth has day and month swapped"),
        (date(1985, 3, 11), "Same day and month of birth, year differs by one"),
        (date(1964, 3, 11), "Same day and month of birth, one digit of the year differs"),
        (date(1984, 3, 12), "Same year and month of birth, one digit of the day differs"),
        (date(1984, 3, 28), "Same year and month of birth"),
        (date(1984, 9, 11), "Same year and day of birth"),
        (date(1990, 9, 28), "Different date of birth"),
        (None, "Date of birth missing on one record"),
    ],
)
def test_reasons_for_partial_date_of_birth(dob, reason):
    assert reason in _reasons(PersonDetails("Katherine", "Smith", date_of_birth=dob))


@pytest.mark.parametrize(
    "first, last, reason",
    [
        ("Katherine", "Smyth", "Surname spelt differently but sounds alike"),
        ("Katherine", "Smiht", "Surname spelt similarly"),
        ("Kath", "Smith", "First name may be a shortened form"),
        ("Katherine", "Smith-Jones", "Surname shares a part"),
        ("Amber", "Smith", "Different first name"),
    ],
)
def test_reasons_for_name_variants(first, last, reason):
    assert reason in _reasons(PersonDetails(first, last, date_of_birth=DOB))


def test_reasons_never_contain_the_details():
    query = PersonDetails("Katherine", "Smyth", (("Kate", "Baker"),), date(1984, 11, 3), "ZZ9 9ZZ")
    text = " ".join(_reasons(query)).casefold()
    for detail in ("katherine", "smyth", "smith", "kate", "baker", "1984", "zz9"):
        assert detail not in text


def test_variant_name_with_same_dob_beats_same_name_with_different_dob():
    variant = PersonDetails("Katherine", "Smyth", date_of_birth=DOB, id=2)
    namesake = PersonDetails("Katherine", "Smith", date_of_birth=date(1991, 6, 25), id=3)
    query = PersonDetails("Katherine", "Smith", date_of_birth=DOB)
    assert score(query, variant).score > THRESHOLD > score(query, namesake).score


def test_postcode_adds_to_the_score():
    query = PersonDetails("Katherine", "Smith", date_of_birth=date(1984, 3, 28))
    moved = score(query, RECORD).score
    same_postcode = score(PersonDetails(**{**query.__dict__, "postcode": "zz9 9zz"}), RECORD).score
    assert same_postcode > moved


# --- nicknames ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nickname, full",
    [("Liz", "Elizabeth"), ("Bill", "William"), ("Peggy", "Margaret"), ("Bob", "Robert"), ("Sue", "Susan"),
     ("Kate", "Katherine"), ("Jim", "James"), ("Becky", "Rebecca"), ("LIZZIE", "elizabeth")],
)  # fmt: skip
def test_a_nickname_and_its_full_form_find_each_other_both_ways(nickname, full):
    record = PersonDetails(full, "Fletcher", date_of_birth=DOB, id=1)
    referral = PersonDetails(nickname, "Fletcher", date_of_birth=DOB)
    assert _shares_key(record, referral)
    assert _shares_key(PersonDetails(nickname, "Fletcher", date_of_birth=DOB, id=2), PersonDetails(full, "Fletcher"))
    match = score(referral, record)
    assert match.score >= THRESHOLD
    assert match.reasons == (f"Nickname of {full.title()}", "Same surname", "Same date of birth")
    assert (
        score(PersonDetails(full, "Fletcher", date_of_birth=DOB), PersonDetails(nickname, "Fletcher", id=3)).reasons[0]
        == f"Nickname of {full.title()}"
    )


def test_a_nickname_without_a_date_of_birth_is_shown_like_the_same_name_without_one():
    nickname = score(PersonDetails("Peggy", "Fletcher"), PersonDetails("Margaret", "Fletcher", date_of_birth=DOB, id=1))
    same = score(PersonDetails("Margaret", "Fletcher"), PersonDetails("Margaret", "Fletcher", date_of_birth=DOB, id=1))
    assert same.score > nickname.score >= THRESHOLD


def test_a_nickname_with_another_date_of_birth_or_surname_is_not_shown():
    record = PersonDetails("William", "Fletcher", date_of_birth=DOB, id=1)
    assert score(PersonDetails("Bill", "Fletcher", date_of_birth=date(1991, 6, 25)), record).score < THRESHOLD
    assert score(PersonDetails("Bill", "Carter", date_of_birth=DOB), record).score < THRESHOLD
    assert not _shares_key(record, PersonDetails("Bill", "Carter", date_of_birth=date(1991, 6, 25)))


def test_a_nickname_in_other_names_finds_the_full_name_and_the_other_way_round():
    record = PersonDetails("Katherine", "Smith", (("Liz", "Baker"),), DOB, id=1)
    query = PersonDetails("Elizabeth", "Baker", date_of_birth=DOB)
    assert _shares_key(record, query)
    assert score(query, record).reasons[:2] == ("Matches an alias", "Nickname of Elizabeth")
    assert _shares_key(
        PersonDetails("Elizabeth", "Baker", date_of_birth=DOB, id=2),
        PersonDetails("Kath", "Smith", (("Liz", "Baker"),), DOB),
    )


def test_names_that_are_not_nicknames_of_each_other_stay_different():
    assert full_form("liz", "william") is None
    assert (
        score(
            PersonDetails("Liz", "Fletcher", date_of_birth=DOB),
            PersonDetails("Beth", "Fletcher", date_of_birth=DOB, id=1),
        ).score
        < THRESHOLD
    )  # two nicknames of one name: not one step
    assert name_variants("") == name_variants(None) == name_variants("Zyxwv") == ()


def test_the_dataset_has_no_mo_for_mohammed():
    """The README says so: the pinned dataset is of English names, and has neither Mo nor Mohammed
    (nor Muhammad, Mohamed). If a new version adds them, this fails: change the README."""
    for name in ("Mo", "Mohammed", "Muhammad", "Mohamed", "Mohammad"):
        assert name_variants(name) == ()


def test_every_variant_is_looked_up_so_lookups_find_both_ways():
    """The stored keys hold only the names as given: a nickname finds its full form, and the full
    form the nickname, only if each is among the other's variants and none is cut off."""
    table = _variants_table()
    assert max(len(variants) for variants in table.values()) <= MAX_VARIANTS
    assert all(name in table[variant] for name, variants in table.items() for variant in variants)


# --- rank --------------------------------------------------------------------------------------


def test_rank_orders_best_first_and_drops_weak_matches():
    query = PersonDetails("Katherine", "Smith", date_of_birth=DOB, postcode="ZZ9 9ZZ")
    candidates = [
        PersonDetails("Katherine", "Smith", date_of_birth=date(1991, 6, 25), id=10),  # namesake: dropped
        PersonDetails("Katherine", "Smith", date_of_birth=date(1984, 3, 28), id=11),  # same year and month
        PersonDetails("Cathryn", "Smyth", date_of_birth=DOB, id=12),  # variants, same DOB
        PersonDetails("Katherine", "Smith", date_of_birth=DOB, postcode="ZZ99ZZ", id=13),  # exact
        PersonDetails("Amber", "Fletcher", date_of_birth=DOB, id=14),  # same DOB only: dropped
    ]
    ranked = rank(query, candidates)
    assert [match.person_id for match in ranked] == [13, 12, 11]
    assert all(match.score >= THRESHOLD for match in ranked)
    assert rank(query, candidates, limit=1)[0].person_id == 13
    assert rank(query, []) == []
    assert len(rank(query, candidates, limit=None, threshold=0)) == 5


# --- labelled synthetic evaluation -------------------------------------------------------------


# Common words and made-up syllables; combined at random, so no real person is described.
WORD_FIRST_NAMES = (
    "Rose Lily Grace Hope Ruby Pearl Amber Holly Ivy Jasmine Daisy Faith Joy Dawn April May June Summer "
    "Autumn Hazel Violet Poppy Willow Iris Heather Fern Olive Scarlett Crystal Robin Skye Jade Honey Clover "
    "Sunny Meadow River Rowan Hunter Mason Cliff Dale Glen Heath Reed Frank Miles Chase Sterling Forest Sage"
).split()
FIRST_ONSETS = "ka le mi ra so ta ve lo na ri sa de ja el an ma ni zo ca bri kri sha phi the".split()
FIRST_ENDINGS = "na la ra nie ny elle ette ine a ia ssa lyn rine dra lie ley".split()
WORD_SURNAMES = (
    "Baker Carter Green Brook Hill Wood Fletcher Smith Taylor Cooper Fisher Walker Turner Parker Porter Ward "
    "Shepherd Archer Bishop Knight King Price Rivers Stone Marsh Field Lane Street Bridge Meadows Brooks Hall "
    "Church Moore Banks Waters Bell Black White Brown Gray Young Long Sharp Wise Goodman Newman Freeman "
    "Chambers Gardener Thatcher Weaver Tanner Potter Miller Dyer Glover Slater Salter Spicer Cook Butcher "
    "Farmer Fowler Hawk Crow Swan Finch Sparrow Nightingale Peacock Lamb Bull Fox Wolfe Buck Hart Philips "
    "Thompson Catherall Phelps Wright Mitchell Collier Chandler Draper Mercer Sawyer Hooper Fuller Barker"
).split()
SURNAME_ONSETS = (
    "Ash Bram Cal Dun Elm Fen Gar Hol Kel Lind Mor Nor Pen Rad Stan Thorn Wil Yar Ald Whit "
    "Brad Crans Dray Eg Hamp Ing Kings Lang Mar Oak Pres Rus Sand Tre Ux Wes"
).split()
SURNAME_ENDINGS = (
    "ley ton wood field ford by well ham worth ridge more dale bury stead wick croft hurst combe den".split()
)
# Given names of the nickname dataset, full forms and nicknames, for the nickname variants.
DATASET_FIRST_NAMES = (
    "Elizabeth Margaret Katherine Susan Patricia Jennifer Rebecca Victoria Alexandra Samantha Deborah Dorothy "
    "Christine Jacqueline Catherine Abigail Josephine Eleanor Barbara Helen Amanda Jessica Stephanie Theresa "
    "William Robert Richard Thomas Michael James Daniel Joseph Anthony Edward Christopher Nicholas Matthew Andrew "
    "Timothy Benjamin Jonathan Kenneth Peter Liz Kate Sue Bill Peggy Becky Vicky Sam Jim Bob Tom Mike Dan Tony "
    "Ted Nick Andy Ben Jenny Debbie Maggie Patsy"
).split()
ACCENTED = {"Zoe": "Zoë", "Renee": "Renée", "Chloe": "Chloé", "Lena": "Léna", "Noemi": "Noémi"}
# Respellings that keep the sound.
PHONETIC_RULES = [
    ("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("ck", "k"), ("y", "ie"), ("ie", "y"), ("i", "y"),
    ("ey", "ay"), ("ee", "ea"), ("th", "t"), ("son", "sen"), ("er", "ar"), ("ll", "l"), ("tt", "t"),
    ("w", "wh"), ("s", "z"), ("a", "e"), ("ine", "yn"), ("e", ""),
]  # fmt: skip
LETTERS = "abcdefghijklmnopqrstuvwxyz"
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _zipf_cumulative_weights(n):
    # Skewed like real names: the commonest is about 2% of people, the ten commonest about 14%.
    return list(accumulate(1 / (rank + 10) ** 0.9 for rank in range(n)))


class Population:
    """Seeded synthetic people with aliases, dates of birth and postcodes."""

    def __init__(self, seed):
        rng = self.rng = random.Random(seed)
        self.first = list(WORD_FIRST_NAMES) + list(ACCENTED.values()) + list(DATASET_FIRST_NAMES)
        self.first += [(onset + ending).capitalize() for onset in FIRST_ONSETS for ending in FIRST_ENDINGS]
        self.last = list(WORD_SURNAMES) + [onset + ending for onset in SURNAME_ONSETS for ending in SURNAME_ENDINGS]
        self.last += ["O'" + onset + ending for onset in SURNAME_ONSETS[:5] for ending in SURNAME_ENDINGS[:5]]
        rng.shuffle(self.first)
        rng.shuffle(self.last)
        self.first_weights = _zipf_cumulative_weights(len(self.first))
        self.last_weights = _zipf_cumulative_weights(len(self.last))
        # Households share postcodes, and a few refuges hold many people over the years.
        self.postcodes = [self._postcode() for _ in range(6_000)]
        self.refuges = [self._postcode() for _ in range(10)]

    def _postcode(self):
        rng = self.rng
        area = rng.choice("ZQXJ") + rng.choice(LETTERS.upper())  # made-up areas
        unit = "".join(rng.choices(POSTCODE_LETTERS, k=2))
        return f"{area}{rng.randint(1, 40)} {rng.randint(0, 9)}{unit}"

    def first_name(self):
        return self.rng.choices(self.first, cum_weights=self.first_weights)[0]

    def surname(self):
        surname = self.rng.choices(self.last, cum_weights=self.last_weights)[0]
        if self.rng.random() < 0.03:
            surname += "-" + self.rng.choice(self.last)  # double-barrelled
        return surname

    def person(self, person_id):
        rng = self.rng
        first, last = self.first_name(), self.surname()
        aliases = ()
        if rng.random() < 0.15:
            # Mostly a previous surname; sometimes a different first name the person is known by.
            aliases = ((first, self.surname()),) if rng.random() < 0.7 else ((self.first_name(), last),)
        dob = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 62)) if rng.random() > 0.03 else None
        postcode = rng.choice(self.refuges) if rng.random() < 0.02 else rng.choice(self.postcodes)
        return PersonDetails(first, last, aliases, dob, postcode if rng.random() > 0.05 else None, id=person_id)


def _typo(rng, name):
    chars = list(name)
    # Mostly not the first letter, which people tend to get right.
    i = rng.randrange(1, len(chars)) if len(chars) > 1 and rng.random() > 0.1 else 0
    kind = rng.choice(["substitute", "delete", "insert", "transpose"])
    if kind == "substitute":
        chars[i] = rng.choice(LETTERS)
    elif kind == "delete" and len(chars) > 3:
        del chars[i]
    elif kind == "transpose" and i < len(chars) - 1:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        chars.insert(i, rng.choice(LETTERS))
    return "".join(chars)


def _respell(rng, name):
    rules = [(a, b) for a, b in PHONETIC_RULES if a in name.lower()[1:]]
    if not rules:
        return name + name[-1]  # a doubled last letter
    old, new = rng.choice(rules)
    return name[0] + name[1:].replace(old, new, 1)


def _details(p, first=None, last=None, dob="same", postcode="same"):
    """A referral built from a record: no aliases (referrals rarely have them), with changes."""
    return PersonDetails(
        first if first is not None else p.first_name,
        last if last is not None else p.last_name,
        (),
        p.date_of_birth if dob == "same" else dob,
        p.postcode if postcode == "same" else postcode,
    )


def _nearby_day(rng, day):
    """A day of the month one digit away: 12 -> 13 or 22."""
    return rng.choice([d for d in range(1, 29) if d != day and (d % 10 == day % 10 or d // 10 == day // 10)])


NICKNAMER = NickNamer()


def _forms(first_name, which):
    """From the dataset itself (not through matching, which a run may go without): the shorter
    forms linked to a first name ("nicknames"), or the longer ones ("full")."""
    name = first_name.lower()
    linked = NICKNAMER.nicknames_of(name) | NICKNAMER.canonicals_of(name)
    shorter = len if which == "nicknames" else (lambda other: -len(other))
    return sorted(other.capitalize() for other in linked if shorter(other) < shorter(name) and other.isalpha())


def _respelt(rng, p, pop):
    if rng.random() < 0.4:
        return _details(p, first=_respell(rng, p.first_name))
    return _details(p, last=_respell(rng, p.last_name))


# One change each: what the matcher must find (recall asserted).
VARIANTS = {
    "surname typo": lambda rng, p, pop: _details(p, last=_typo(rng, p.last_name)),
    "first name typo": lambda rng, p, pop: _details(p, first=_typo(rng, p.first_name)),
    "phonetic respelling": _respelt,
    "first/last transposed": lambda rng, p, pop: _details(p, first=p.last_name, last=p.first_name),
    "alias used": lambda rng, p, pop: _details(p, *p.aliases[0]),
    "day/month swapped": lambda rng, p, pop: _details(
        p, dob=p.date_of_birth.replace(month=p.date_of_birth.day, day=p.date_of_birth.month)
    ),
    "year +/-1": lambda rng, p, pop: _details(
        p, dob=p.date_of_birth.replace(year=p.date_of_birth.year + rng.choice((-1, 1)))
    ),
    "day digit typo": lambda rng, p, pop: _details(
        p, dob=p.date_of_birth.replace(day=_nearby_day(rng, p.date_of_birth.day))
    ),
    "nickname for the full name": lambda rng, p, pop: _details(p, first=rng.choice(_forms(p.first_name, "nicknames"))),
    "full name for the nickname": lambda rng, p, pop: _details(p, first=rng.choice(_forms(p.first_name, "full"))),
    "no date of birth": lambda rng, p, pop: _details(p, dob=None),
    "moved postcode": lambda rng, p, pop: _details(p, postcode=rng.choice(pop.postcodes)),
    "case and punctuation": lambda rng, p, pop: _details(
        p,
        first=p.first_name.upper().replace("Ë", "E").replace("É", "E"),
        last=p.last_name.replace("'", "").replace("-", " "),
        postcode=(p.postcode or "").lower().replace(" ", ""),
    ),
}

# Two changes at once: reported, not asserted, to show where the limits are.
HARD_VARIANTS = {
    "surname typo, no date of birth": lambda rng, p, pop: _details(p, last=_typo(rng, p.last_name), dob=None),
    "first name typo, moved": lambda rng, p, pop: _details(
        p, first=_typo(rng, p.first_name), postcode=rng.choice(pop.postcodes)
    ),
    "transposed, year +/-1": lambda rng, p, pop: _details(
        p, first=p.last_name, last=p.first_name, dob=p.date_of_birth.replace(year=p.date_of_birth.year + 1)
    ),
    "surname typo, day digit typo": lambda rng, p, pop: _details(
        p, last=_typo(rng, p.last_name), dob=p.date_of_birth.replace(day=_nearby_day(rng, p.date_of_birth.day))
    ),
    "no date of birth, moved": lambda rng, p, pop: _details(p, dob=None, postcode=rng.choice(pop.postcodes)),
    "nickname, no date of birth": lambda rng, p, pop: _details(
        p, first=rng.choice(_forms(p.first_name, "nicknames")), dob=None
    ),
}


def _eligible(variant, person):
    dob = person.date_of_birth
    if "alias" in variant:
        return bool(person.aliases)
    if "nickname" in variant:
        if not _forms(person.first_name, "full" if variant.startswith("full") else "nicknames"):
            return False
    if dob is None:  # date changes need a date to change; the other variants need one to be fair
        return "no date of birth" in variant
    if "day/month swapped" in variant:
        return dob.day <= 12 and dob.day != dob.month
    if "year" in variant:
        return not (dob.month == 2 and dob.day == 29)
    return dob.day <= 28


def _evaluate(people_count=10_000, per_variant=46, per_hard_variant=20, absent_count=500, seed=20240611):
    population = Population(seed)
    rng = random.Random(seed + 1)
    people = [population.person(person_id) for person_id in range(1, people_count + 1)]
    by_id = {person.id: person for person in people}

    # Mirror of the table person_match_keys(person_id, key), indexed on key.
    index = defaultdict(set)
    keys_per_person = []
    for person in people:
        keys = person.keys()
        keys_per_person.append(len(keys))
        for key in keys:
            index[key].add(person.id)

    def plant(variants, count):
        planted = []  # (variant, query, true id)
        for variant, make in variants.items():
            chosen = rng.sample([p for p in people if _eligible(variant, p)], count)
            planted += [(variant, make(rng, person, population), person.id) for person in chosen]
        return planted

    planted, hard = plant(VARIANTS, per_variant), plant(HARD_VARIANTS, per_hard_variant)
    # People who are not on record, drawn the same way (some share names or a postcode with records).
    absent = [population.person(None) for _ in range(absent_count)]

    candidate_counts = []

    def search(query):
        ids = set().union(*(index.get(key, ()) for key in query.lookup_keys()))
        candidate_counts.append(len(ids))
        return ids, rank(query, [by_id[i] for i in ids])

    started = time.perf_counter()
    found, blocked, top1_right, top1_any, missed = 0, 0, 0, 0, Counter()
    for variant, query, true_id in planted:
        ids, ranked = search(query)
        blocked += true_id in ids
        found += true_id in [match.person_id for match in ranked]
        missed[variant] += true_id not in [match.person_id for match in ranked]
        if ranked:
            top1_any += 1
            top1_right += ranked[0].person_id == true_id
    hard_missed = Counter()
    for variant, query, true_id in hard:
        hard_missed[variant] += true_id not in [match.person_id for match in search(query)[1]]
    hard_found = len(hard) - sum(hard_missed.values())
    dated = [query for query in absent if query.date_of_birth]
    false_positives = sum(bool(search(query)[1]) for query in dated)
    undated_false_positives = sum(bool(search(query)[1]) for query in absent if not query.date_of_birth)
    elapsed = time.perf_counter() - started

    return {
        "people": people_count,
        "planted": len(planted),
        "absent": len(absent),
        "recall_at_5": found / len(planted),
        "blocking_recall": blocked / len(planted),
        "precision_at_1": top1_right / top1_any,
        "hard_recall": hard_found / len(hard),
        "hard": len(hard),
        "false_positive_rate": false_positives / len(dated),
        "undated_absent": len(absent) - len(dated),
        "undated_false_positives": undated_false_positives,
        "mean_candidates": sum(candidate_counts) / len(candidate_counts),
        "max_candidates": max(candidate_counts),
        "mean_keys": sum(keys_per_person) / len(keys_per_person),
        "max_keys": max(keys_per_person),
        "ms_per_query": 1000 * elapsed / len(candidate_counts),
        "missed": {variant: n for variant, n in missed.items() if n},
        "hard_missed": {variant: n for variant, n in hard_missed.items() if n},
    }


def test_labelled_synthetic_evaluation(monkeypatch):
    r = _evaluate()
    # The same set without the nickname dataset: what the nicknames add, and what they cost.
    with monkeypatch.context() as without_nicknames:
        without_nicknames.setattr(matching, "_nicknames", dict)
        without_nicknames.setattr(matching, "_variants_table", dict)
        before = _evaluate()
    print(
        f"\nwithout nicknames: recall@5={before['recall_at_5']:.1%} precision@1={before['precision_at_1']:.1%} "
        f"false-positive rate={before['false_positive_rate']:.1%} ({before['undated_false_positives']}/"
        f"{before['undated_absent']} without a date of birth) candidates/query mean={before['mean_candidates']:.2f}; "
        f"missed: {before['missed']}; two changes at once: recall@5={before['hard_recall']:.1%}, "
        f"missed: {before['hard_missed']}"
    )
    print(
        f"\nmatching: {r['people']} people, {r['planted']} planted + {r['absent']} absent queries, "
        f"threshold {THRESHOLD}: recall@5={r['recall_at_5']:.1%} (in candidates {r['blocking_recall']:.1%}) "
        f"precision@1={r['precision_at_1']:.1%} "
        f"false-positive rate={r['false_positive_rate']:.1%} (absent, with date of birth; "
        f"{r['undated_false_positives']}/{r['undated_absent']} without) "
        f"candidates/query mean={r['mean_candidates']:.2f} max={r['max_candidates']} "
        f"keys/person mean={r['mean_keys']:.1f} max={r['max_keys']} {r['ms_per_query']:.2f} ms/query; "
        f"two changes at once: recall@5={r['hard_recall']:.1%} of {r['hard']}; missed: {r['missed']}, "
        f"of two changes: {r['hard_missed']}"
    )
    assert r["recall_at_5"] >= 0.95
    assert r["precision_at_1"] >= 0.95
    assert r["false_positive_rate"] <= 0.05
    # Nicknames found, at no more than a point more false positives for people not on record.
    nickname_rows = ("nickname for the full name", "full name for the nickname", "nickname, no date of birth")
    assert sum({**r["missed"], **r["hard_missed"]}.get(row, 0) for row in nickname_rows) <= 1
    assert before["hard_missed"]["nickname, no date of birth"] >= 10  # of 20: what the dataset adds
    assert r["false_positive_rate"] - before["false_positive_rate"] <= 0.01
    # Candidates other than the person sought grow in proportion to the number of people, so a mean
    # under 2 here (about one true match plus under one other) stays well under 100 at 700,000 people
    # (a one-off run of this generator at 700,000 gave a mean of 4.7 and a maximum of 285, the latter
    # a common name with no date of birth).
    assert r["mean_candidates"] < 2
    assert r["max_keys"] <= 30
