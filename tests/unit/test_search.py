"""Reading what was typed into the search box, and ranking by one name."""

from datetime import date

import pytest

from marac.services import matching
from marac.services.search import NotUnderstood, Terms, parse


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("Vera Quillfeather", Terms(names=("vera", "quillfeather"))),
        ("  O'Brien-Smith ", Terms(names=("obrien", "smith"))),
        ("C000054", Terms(references=(("C", 54),))),
        ("r123 c7", Terms(references=(("R", 123), ("C", 7)))),
        ("14/5/1991", Terms(date_of_birth=date(1991, 5, 14))),
        ("14.05.1991", Terms(date_of_birth=date(1991, 5, 14))),
        ("14 5 1991", Terms(date_of_birth=date(1991, 5, 14))),
        ("14 May 1991", Terms(date_of_birth=date(1991, 5, 14))),
        ("12 Mill Lane", Terms(names=("mill", "lane"))),  # a number alone is no name
        ("3 Sep 1991 quill", Terms(names=("quill",), date_of_birth=date(1991, 9, 3))),
        ("1991-05-14", Terms(date_of_birth=date(1991, 5, 14))),
        ("sw1a 1aa", Terms(postcode="SW1A 1AA")),
        ("Smith SW1A1AA", Terms(names=("smith",), postcode="SW1A 1AA")),
        ("Jo Smith 1/2/1980 M1 1AE", Terms(names=("jo", "smith"), date_of_birth=date(1980, 2, 1), postcode="M1 1AE")),
        ("a b c d e f", Terms(names=("a", "b", "c", "d"))),
    ],
)
def test_what_was_typed_is_read_as_names_references_a_date_and_a_postcode(typed, terms):
    assert parse(typed) == terms


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter a name, a reference, a date of birth or a postcode"),
        ("-- ' .", "Enter a name, a reference, a date of birth or a postcode"),
        ("31/6/1991", "Date of birth must be a real date"),
        ("Smith 29 Feb 1991", "Date of birth must be a real date"),
    ],
)
def test_nothing_to_search_by_or_an_unreal_date_is_refused(typed, problem):
    with pytest.raises(NotUnderstood, match=problem):
        parse(typed)


def test_the_audit_hears_which_kinds_of_terms_a_search_had_never_the_terms():
    assert parse("Quill 14/5/1991").audited() == {
        "by_name": True,
        "by_reference": False,
        "by_date_of_birth": True,
        "by_postcode": False,
    }


VERA = matching.PersonDetails("Vera", "Quillfeather", (("Vee", "Marchbank"),), date(1991, 5, 14), "QQ7 3XY", id=1)


@pytest.mark.parametrize(
    ("typed", "found", "reason"),
    [
        ("Quillfeather", True, "Same surname"),
        ("Quill", True, "Surname begins with the name searched"),
        ("Quilfeather", True, "Surname spelt differently but sounds alike"),
        ("Marchbank", True, "Same surname"),
        ("Qu", False, "Different surname"),  # two letters begin too many surnames
        ("Vera", False, "Different surname"),  # one name is a surname
        ("Smith", False, "Different surname"),
    ],
)
def test_one_name_is_ranked_as_a_surname_or_another_surname(typed, found, reason):
    match = matching.score_surname(typed, VERA)
    assert (match.score >= 0.6, match.reasons[-1]) == (found, reason)


def test_one_name_with_the_date_of_birth_ranks_above_a_namesake_born_on_another_day():
    namesake = matching.PersonDetails("Vera", "Quillfeather", date_of_birth=date(1970, 1, 1), id=2)
    born = date(1991, 5, 14)
    assert matching.score_surname("Quill", VERA, born).score > matching.score_surname("Quill", namesake, born).score
    assert matching.score_surname("Quill", VERA, born).reasons == (
        "Surname begins with the name searched",
        "Same date of birth",
    )
    assert matching.score_surname("Marchbank", VERA, None, "QQ7 3XY").reasons == (
        "Matches an alias",
        "Same surname",
        "Same postcode",
    )
