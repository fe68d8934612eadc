import pytest

from marac.services.risk_scoring import (
    QUESTIONS,
    Answer,
    Criterion,
    RiskLevel,
    Thresholds,
    assess,
    judgement_problem,
    score,
    unanswered,
)

DEFAULT = Thresholds()


def answers_with(yes, rest=Answer.NO):
    """The first `yes` questions answered Yes, the others `rest`."""
    return {number: (Answer.YES if number <= yes else rest) for number in QUESTIONS}


def test_there_are_24_questions_in_order():
    assert list(QUESTIONS) == list(range(1, 25))


@pytest.mark.parametrize(
    ("yes", "level"),
    [
        (0, RiskLevel.STANDARD),
        (9, RiskLevel.STANDARD),
        (10, RiskLevel.MEDIUM),
        (13, RiskLevel.MEDIUM),
        (14, RiskLevel.HIGH),
        (24, RiskLevel.HIGH),
    ],
)
def test_score_bands(yes, level):
    result = assess(answers_with(yes), DEFAULT)
    assert result.score == yes
    assert result.level == level


def test_thirteen_yes_is_not_visible_high_risk_but_fourteen_is():
    assert Criterion.VISIBLE_HIGH_RISK not in assess(answers_with(13), DEFAULT).criteria_met
    fourteen = assess(answers_with(14), DEFAULT)
    assert fourteen.criteria_met == [Criterion.VISIBLE_HIGH_RISK]
    assert "14 Yes answers" in fourteen.criteria[0][1]


def test_all_dont_know_scores_nothing():
    result = assess(answers_with(0, rest=Answer.DONT_KNOW), DEFAULT)
    assert result.score == 0 and result.level == RiskLevel.STANDARD and not result.criteria


def test_dont_know_and_unanswered_do_not_count():
    assert score({1: Answer.YES, 2: Answer.DONT_KNOW, 3: None, 4: "yes"}) == 2
    assert unanswered({1: Answer.YES, 2: "maybe"}) == list(range(2, 25))
    assert unanswered({}) == list(range(1, 25))


def test_professional_judgement_below_the_threshold_makes_it_high_risk():
    result = assess(answers_with(6), DEFAULT, judged_level="high", judgement_reasons="Recent strangulation")
    assert result.score_level == RiskLevel.STANDARD
    assert result.level == RiskLevel.HIGH
    assert result.criteria_met == [Criterion.PROFESSIONAL_JUDGEMENT]


def test_professional_judgement_needs_reasons():
    assert judgement_problem(answers_with(6), DEFAULT, judged_level="high", judgement_reasons="  ") == (
        "Enter the reasons for your professional judgement"
    )
    assert not assess(answers_with(6), DEFAULT, judged_level="high", judgement_reasons="").criteria


def test_professional_judgement_cannot_lower_a_visible_high_risk():
    answers = answers_with(15)
    problem = judgement_problem(answers, DEFAULT, judged_level="medium", judgement_reasons="Seems calmer")
    assert problem.startswith("Professional judgement can raise the risk level but not lower it")
    result = assess(answers, DEFAULT, judged_level="standard", judgement_reasons="Seems calmer")
    assert result.level == RiskLevel.HIGH
    assert Criterion.VISIBLE_HIGH_RISK in result.criteria_met


def test_professional_judgement_can_raise_to_medium_without_meeting_marac_criteria():
    result = assess(answers_with(3), DEFAULT, judged_level="medium", judgement_reasons="Escalating threats")
    assert result.level == RiskLevel.MEDIUM and not result.meets_marac_criteria


@pytest.mark.parametrize(("incidents", "met"), [(None, False), (0, False), (2, False), (3, True), (40, True)])
def test_potential_escalation_at_three_incidents(incidents, met):
    result = assess(answers_with(2), DEFAULT, incidents_in_window=incidents)
    assert (Criterion.POTENTIAL_ESCALATION in result.criteria_met) == met


def test_changed_area_thresholds():
    strict = Thresholds(high=12, medium=8, escalation_incidents=2, escalation_window_months=6)
    result = assess(answers_with(12), strict, incidents_in_window=2)
    assert result.level == RiskLevel.HIGH
    assert result.criteria_met == [Criterion.VISIBLE_HIGH_RISK, Criterion.POTENTIAL_ESCALATION]
    assert "in the past 6 months" in result.criteria[1][1]
    assert assess(answers_with(8), strict).level == RiskLevel.MEDIUM
    assert assess(answers_with(13), Thresholds(high=15)).level == RiskLevel.MEDIUM


def test_every_route_at_once():
    result = assess(answers_with(20), DEFAULT, judged_level="high", judgement_reasons="x", incidents_in_window=5)
    assert result.criteria_met == [
        Criterion.VISIBLE_HIGH_RISK,
        Criterion.PROFESSIONAL_JUDGEMENT,
        Criterion.POTENTIAL_ESCALATION,
    ]


def test_answers_outside_the_checklist_are_not_counted_twice():
    # Only the 24 questions count, whatever else a form sends.
    answers = {**answers_with(24), 0: Answer.YES, 25: Answer.YES, 99: Answer.YES}
    assert assess(answers, DEFAULT).score == 24
