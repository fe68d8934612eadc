"""The dates a record may carry (services/date_rules.py), at their boundaries."""

from datetime import date

import pytest

from marac.services import date_rules
from marac.services.date_rules import PAST_REFERRAL_MESSAGE

TODAY = date(2026, 12, 6)
BORN = date(1990, 4, 15)


def referral(on, *, born=BORN, confirmed=False, today=TODAY):
    return date_rules.referral_date_problem(on, born=born, past_confirmed=confirmed, today=today)


def test_a_referral_today_is_accepted_and_tomorrow_refused():
    assert referral(TODAY) is None
    assert referral(date(2026, 12, 7)) == "The date of referral must be today or in the past"


def test_a_referral_before_the_victims_birth_is_refused_even_when_confirmed():
    born = date(2004, 3, 10)
    assert referral(date(2004, 3, 9), born=born, confirmed=True) == (
        "The date of referral must be on or after the victim's date of birth"
    )
    assert referral(date(2004, 3, 10), born=born, confirmed=True) is None


def test_no_referral_before_marac_existed():
    assert referral(date(2002, 12, 31), born=None, confirmed=True) == (
        "The date of referral must be in 2003 or later, when MARACs began"
    )
    assert referral(date(2003, 1, 1), born=None, confirmed=True) is None
    # The example: 1 January 1066, for a victim born in 1990.
    assert referral(date(1066, 1, 1), confirmed=True) is not None


def test_twelve_months_ago_to_the_day_needs_no_confirmation_and_a_day_more_does():
    assert referral(date(2025, 12, 6)) is None
    assert referral(date(2025, 12, 5)) == PAST_REFERRAL_MESSAGE
    assert referral(date(2025, 12, 5), confirmed=True) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2025, 2, 28), None), (date(2025, 3, 1), PAST_REFERRAL_MESSAGE)],
)
def test_from_29_february_the_twelve_months_end_on_28_february(today, expected):
    assert referral(date(2024, 2, 29), today=today) == expected


def test_an_assessment_has_the_same_bounds_but_no_confirmation():
    assert date_rules.assessment_date_problem(date(2024, 1, 1), born=BORN, today=TODAY) is None
    assert date_rules.assessment_date_problem(date(1990, 4, 14), born=BORN, today=TODAY) == (
        "The date of the assessment must be on or after the victim's date of birth"
    )
    assert date_rules.assessment_date_problem(date(2002, 12, 31), today=TODAY) is not None
    assert date_rules.assessment_date_problem(date(2026, 12, 7), today=TODAY) is not None


def test_a_contact_cannot_be_dated_before_the_victim_was_born_or_in_the_future():
    assert date_rules.contact_date_problem(date(1990, 4, 14), born=BORN, today=TODAY) is not None
    assert date_rules.contact_date_problem(date(1990, 4, 15), born=None, today=TODAY) is not None  # before 2003
    assert date_rules.contact_date_problem(TODAY, born=BORN, today=TODAY) is None
    assert date_rules.contact_date_problem(date(2026, 12, 7), born=BORN, today=TODAY) is not None


def test_an_action_is_not_completed_before_it_was_agreed():
    agreed = date(2026, 11, 12)
    assert date_rules.completion_date_problem(date(2026, 11, 11), agreed_on=agreed, today=TODAY) == (
        "The completion date must be on or after the day the action was agreed (12 November 2026)"
    )
    assert date_rules.completion_date_problem(agreed, agreed_on=agreed, today=TODAY) is None
    assert date_rules.completion_date_problem(date(2026, 12, 7), agreed_on=agreed, today=TODAY) == (
        "The completion date must be today or in the past"
    )


def test_no_date_is_no_problem_here():
    """A missing date is the form's "Enter the date" message, not these rules'."""
    assert referral(None) is None
    assert date_rules.completion_date_problem(None, agreed_on=TODAY, today=TODAY) is None
