"""DASH risk scoring (SafeLives Risk Identification Checklist) and the MARAC referral criteria."""

from dataclasses import dataclass

from models.labels import LabelledEnum
from models.risk import ANSWER_LABELS, FEARS_QUESTION, QUESTIONS, Answer, RiskLevel  # noqa: F401 (used by callers)


class Criterion(LabelledEnum):
    VISIBLE_HIGH_RISK = "visible_high_risk", "Visible high risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"
    POTENTIAL_ESCALATION = "potential_escalation", "Potential escalation"
    REPEAT = "repeat", "Repeat MARAC case"


CRITERION_LABELS = Criterion.labels()


@dataclass(frozen=True)
class Thresholds:
    """An area's settings. Defaults are SafeLives guidance and the common local banding."""

    high: int = 14
    medium: int = 10
    escalation_incidents: int = 3
    escalation_window_months: int = 12

    @classmethod
    def for_area(cls, area):
        return cls(
            high=area.dash_high_threshold,
            medium=area.dash_medium_threshold,
            escalation_incidents=area.escalation_incident_count,
            escalation_window_months=area.escalation_window_months,
        )


@dataclass(frozen=True)
class RiskResult:
    score: int
    score_level: RiskLevel  # from the score alone
    level: RiskLevel  # after professional judgement
    criteria: tuple[tuple[Criterion, str], ...]  # each criterion met, with why

    @property
    def criteria_met(self):
        return [criterion for criterion, _why in self.criteria]

    @property
    def meets_marac_criteria(self):
        return bool(self.criteria)


def score(answers):
    """The number of Yes answers to the 24 questions. `answers` maps question number to an Answer."""
    return sum(1 for number, answer in answers.items() if number in QUESTIONS and answer == Answer.YES)


def level_for_score(points, thresholds):
    if points >= thresholds.high:
        return RiskLevel.HIGH
    if points >= thresholds.medium:
        return RiskLevel.MEDIUM
    return RiskLevel.STANDARD


def assess(answers, thresholds, *, judged_level=None, judgement_reasons="", incidents_in_window=None):
    """Score a DASH and say which MARAC criteria it meets, and why.

    Professional judgement can raise the level, never lower it: a judged level below the score's
    level is ignored here and refused by `judgement_problem` on the form.
    """
    points = score(answers)
    score_level = level_for_score(points, thresholds)
    judged = RiskLevel(judged_level) if judged_level else None
    level = max(score_level, judged, key=lambda lvl: lvl.rank) if judged else score_level

    criteria = []
    if score_level == RiskLevel.HIGH:
        criteria.append(
            (
                Criterion.VISIBLE_HIGH_RISK,
                f"{points} Yes answers, at or above the area's threshold of {thresholds.high}",
            )
        )
    if judged == RiskLevel.HIGH and (judgement_reasons or "").strip():
        criteria.append((Criterion.PROFESSIONAL_JUDGEMENT, "The assessor judged the risk to be high and gave reasons"))
    if incidents_in_window is not None and incidents_in_window >= thresholds.escalation_incidents:
        criteria.append(
            (
                Criterion.POTENTIAL_ESCALATION,
                f"{incidents_in_window} incidents in the past {thresholds.escalation_window_months} months "
                f"(the area's threshold is {thresholds.escalation_incidents})",
            )
        )
    return RiskResult(score=points, score_level=score_level, level=level, criteria=tuple(criteria))


def judgement_problem(answers, thresholds, *, judged_level, judgement_reasons):
    """The GOV.UK-style message for an unacceptable professional judgement, or None."""
    if not judged_level:
        return None
    if not (judgement_reasons or "").strip():
        return "Enter the reasons for your professional judgement"
    score_level = level_for_score(score(answers), thresholds)
    if RiskLevel(judged_level).rank < score_level.rank:
        return (
            f"Professional judgement can raise the risk level but not lower it: "
            f"the score already shows {score_level.label.lower()} risk"
        )
    return None


def unanswered(answers):
    """Question numbers with no answer, in order."""
    return [number for number in QUESTIONS if answers.get(number) not in set(Answer)]
