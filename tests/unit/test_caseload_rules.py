"""IDVA caseload rules without a database: working-day targets over weekends and bank holidays,
capacity, allocation suggestions, matched outcomes, and the restorative justice rule."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from marac.services import caseload, workdays
from marac.services.caseload import IdvaLoad, Targets
from models import clock

TARGETS = Targets()  # the defaults: 48 hours, 2 working days, 2 working days, 8 weeks, 14 days


def _uk(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=clock.UK)


# -- Working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected", "why"),
    [
        (date(2026, 11, 16), date(2026, 11, 18), "Monday: Tuesday, Wednesday"),
        (date(2026, 11, 19), date(2026, 11, 23), "Thursday: Friday, then over the weekend to Monday"),
        (date(2026, 11, 21), date(2026, 11, 24), "Saturday: Monday, Tuesday"),
        (date(2026, 5, 22), date(2026, 5, 27), "Friday before the Spring bank holiday Monday"),
        (date(2026, 8, 28), date(2026, 9, 2), "Friday before the Late Summer bank holiday Monday"),
        (date(2026, 4, 2), date(2026, 4, 8), "Maundy Thursday: over Good Friday and Easter Monday"),
        (date(2027, 3, 25), date(2027, 3, 31), "Easter 2027"),
        (date(2026, 12, 24), date(2026, 12, 30), "Christmas 2026: Boxing Day on a Saturday, substitute Monday 28th"),
        (date(2027, 12, 24), date(2027, 12, 30), "Christmas 2027: both days at the weekend, substitutes 27th and 28th"),
        (date(2026, 12, 31), date(2027, 1, 5), "New Year: over the year end and New Year's Day"),
    ],
)
def test_first_contact_is_due_two_working_days_after_the_referral(start, expected, why):
    assert workdays.add_working_days(start, 2) == expected, why
    assert caseload.first_contact_due(_uk(start.year, start.month, start.day), TARGETS) == expected, why


def test_substitute_bank_holidays_are_not_working_days():
    for day in (date(2026, 12, 28), date(2027, 12, 27), date(2027, 12, 28)):
        assert not workdays.is_working_day(day)
    assert workdays.is_working_day(date(2026, 12, 29))
    assert workdays.working_days_between(date(2026, 12, 24), date(2026, 12, 30)) == 2
    assert workdays.working_days_between(date(2027, 12, 24), date(2027, 12, 31)) == 3


def test_the_day_the_referral_came_in_is_the_uk_day_not_the_utc_one():
    # 23:30 UTC on Thursday 21 May 2026 is 00:30 on Friday 22 May in London (BST).
    late_thursday_utc = datetime(2026, 5, 21, 23, 30, tzinfo=UTC)
    assert clock.uk_date(late_thursday_utc) == date(2026, 5, 22)
    assert caseload.first_contact_due(late_thursday_utc, TARGETS) == date(2026, 5, 27)


def test_feedback_after_marac_is_due_two_working_days_after_the_meeting():
    assert caseload.feedback_due(date(2026, 5, 22), TARGETS) == date(2026, 5, 27)  # Friday, bank holiday Monday
    assert caseload.feedback_due(date(2026, 12, 23), TARGETS) == date(2026, 12, 29)  # over Christmas
    assert caseload.feedback_due(date(2026, 4, 1), TARGETS) == date(2026, 4, 7)  # over Easter
    assert caseload.feedback_due(date(2026, 11, 18), Targets(feedback_working_days=3)) == date(2026, 11, 23)


def test_next_contact_and_risk_review_dates():
    opened = _uk(2026, 11, 2)
    assert caseload.next_contact_due(
        next_contact_on=None, last_contact_at=None, first_contact_due_on=date(2026, 11, 4), targets=TARGETS
    ) == date(2026, 11, 4)
    assert caseload.next_contact_due(
        next_contact_on=None, last_contact_at=_uk(2026, 11, 5), first_contact_due_on=date(2026, 11, 4), targets=TARGETS
    ) == date(2026, 11, 19)
    assert caseload.next_contact_due(
        next_contact_on=date(2026, 11, 9),
        last_contact_at=_uk(2026, 11, 5),
        first_contact_due_on=date(2026, 11, 4),
        targets=TARGETS,
    ) == date(2026, 11, 9)
    assert caseload.review_due(last_assessed_on=date(2026, 10, 1), opened_at=opened, targets=TARGETS) == date(
        2026, 11, 26
    )
    assert caseload.review_due(last_assessed_on=None, opened_at=opened, targets=TARGETS) == date(2026, 12, 28)
    assert caseload.review_due(
        last_assessed_on=date(2026, 10, 1), opened_at=opened, targets=Targets(risk_review_weeks=6)
    ) == date(2026, 11, 12)


# -- Capacity and suggestions -------------------------------------------------------------------


def _load(idva_id, active, fte="1", per_fte=70, name=None, areas=(1,)):
    return IdvaLoad(idva_id, name or f"IDVA {idva_id}", Decimal(fte), active, per_fte, frozenset(areas))


def test_capacity_is_fte_times_the_areas_cases_per_fte():
    assert _load(1, 0).capacity == 70
    assert _load(1, 0, fte="0.6").capacity == 42
    assert _load(1, 0, fte="0.5", per_fte=61).capacity == 31  # 30.5 rounds half up
    assert _load(1, 0, fte="0.1").capacity == 7
    assert _load(1, 0, fte="0.8", per_fte=60).capacity == 48


@pytest.mark.parametrize(
    ("active", "state"),
    [(0, "within"), (62, "within"), (63, "near"), (69, "near"), (70, "at"), (71, "over")],
)
def test_caseload_state_against_capacity(active, state):
    assert _load(1, active).state == state


def test_the_suggestion_prefers_the_victims_previous_idva_with_room():
    loads = [_load(1, 10), _load(2, 60, name="Previous")]
    suggestion = caseload.suggest(loads, previous_idva_id=2)
    assert suggestion.idva_id == 2
    assert "supported this victim before" in suggestion.reason


def test_a_full_previous_idva_gives_way_to_the_one_with_most_room():
    loads = [_load(1, 40, name="Ash"), _load(2, 70, name="Previous"), _load(3, 20, fte="0.5", name="Birch")]
    # Ash has 30 places free; Birch (35 of capacity) 15.
    suggestion = caseload.suggest(loads, previous_idva_id=2)
    assert suggestion.idva_id == 1
    assert "Previous supported this victim before but has no room" in suggestion.reason
    assert caseload.suggest(loads).idva_id == 1


def test_when_everyone_is_full_the_previous_idva_then_the_least_loaded():
    loads = [_load(1, 75, name="Ash"), _load(2, 70, name="Birch"), _load(3, 7, fte="0.1", name="Cedar")]
    assert caseload.suggest(loads, previous_idva_id=1).idva_id == 1
    least = caseload.suggest(loads)
    assert least.idva_id in (2, 3) and "least loaded" in least.reason
    assert caseload.suggest([], previous_idva_id=1).idva_id is None


def test_waiting_times_are_described_in_days_and_hours():
    assert caseload.describe_wait(timedelta(minutes=20)) == "under an hour"
    assert caseload.describe_wait(timedelta(hours=5, minutes=59)) == "5 hours"
    assert caseload.describe_wait(timedelta(days=1, hours=1)) == "1 day 1 hour"
    assert caseload.describe_wait(timedelta(days=3)) == "3 days"


# -- Outcomes and restorative justice -----------------------------------------------------------


def _outcomes(**changes):
    answers = {
        "intake_abuse_ongoing": True,
        "exit_abuse_ongoing": False,
        "intake_risk_level": "high",
        "exit_risk_level": "medium",
        "intake_feels_safe": 1,
        "exit_feels_safe": 4,
        "intake_quality_of_life": 2,
        "exit_quality_of_life": 2,
    }
    return caseload.match_outcomes(**{**answers, **changes})


def test_outcomes_are_matched_with_intake():
    assert _outcomes() == {
        "abuse_stopped": True,
        "risk_reduced": True,
        "feels_safer": True,
        "quality_of_life_improved": False,
    }
    assert _outcomes(exit_abuse_ongoing=True)["abuse_stopped"] is False
    assert _outcomes(exit_risk_level="high")["risk_reduced"] is False


def test_an_outcome_is_not_measured_when_either_end_is_unknown():
    assert _outcomes(intake_abuse_ongoing=None)["abuse_stopped"] is None
    assert _outcomes(intake_abuse_ongoing=False)["abuse_stopped"] is None  # nothing to stop at intake
    assert _outcomes(exit_abuse_ongoing=None)["abuse_stopped"] is None
    assert _outcomes(intake_risk_level=None)["risk_reduced"] is None
    assert _outcomes(exit_feels_safe=None)["feels_safer"] is None
    assert _outcomes(intake_quality_of_life=None)["quality_of_life_improved"] is None


def test_restorative_justice_only_when_the_victim_asks_and_it_is_safe():
    problem = caseload.restorative_justice_problem
    assert problem("restorative_justice", victim_asked=True, judged_safe=True) is None
    assert "asks for it" in problem("restorative_justice", victim_asked=False, judged_safe=True)
    assert "safe" in problem("restorative_justice", victim_asked=True, judged_safe=False)
    assert problem("housing", victim_asked=False, judged_safe=False) is None
