"""Risk assessments of a case: DASH drafts, completion, corrections, other tools' results."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marac.services import date_rules, risk_scoring
from models import AssessmentStatus, RiskAssessment, RiskTool, db
from models.clock import utcnow
from models.risk import RiskLevel, current_assessment

CHART_WIDTH, CHART_HEIGHT, CHART_PADDING = 600, 240, 36
WHAT_CHANGED_MESSAGE = "Enter what has changed since the last assessment"


def _details(assessment, data):
    assessment.assessed_on = data.get("assessed_on")
    assessment.assessor_name = (data.get("assessor_name") or "").strip() or None
    assessment.agency_id = data.get("agency_id") or None
    assessment.fears_detail = (data.get("fears_detail") or "").strip() or None
    assessment.incidents_in_window = data.get("incidents_in_window")
    assessment.judged_level = data.get("judged_level") or None
    assessment.judgement_reasons = (data.get("judgement_reasons") or "").strip() or None
    if data.get("correction_reason") is not None:
        assessment.correction_reason = data["correction_reason"].strip() or None


def save_draft(assessment, data, answers):
    """Keep whatever has been answered so far. A completed assessment is never changed."""
    if assessment.is_completed:
        raise ValueError("A completed assessment cannot be changed: correct it with a new one")
    _details(assessment, data)
    assessment.answers = {str(number): given for number, given in answers.items()}
    db.session.add(assessment)
    return assessment


def answer_values(answers):
    """{question number: Answer value} from saved or posted answers."""
    return {int(number): given.get("answer") for number, given in answers.items()}


def completion_problems(data, answers, thresholds, *, correcting, born=None):
    """{field name: message} for what stops this DASH being completed; `born` is the victim's
    date of birth, if known (the DASH cannot be dated before it)."""
    problems = {}
    values = answer_values(answers)
    for number in risk_scoring.unanswered(values):
        problems[f"q{number}"] = f"Select an answer to question {number}"
    if (
        values.get(risk_scoring.FEARS_QUESTION) == risk_scoring.Answer.YES
        and not (data.get("fears_detail") or "").strip()
    ):
        problems["fears_detail"] = "Enter what they are afraid of, and for whom"
    if not data.get("assessed_on"):
        problems["assessed_on"] = "Enter the date of the assessment"
    elif problem := date_rules.assessment_date_problem(data["assessed_on"], born=born):
        problems["assessed_on"] = problem
    if not (data.get("assessor_name") or "").strip():
        problems["assessor_name"] = "Enter the assessor's name"
    if correcting and not (data.get("correction_reason") or "").strip():
        problems["correction_reason"] = "Enter why this assessment is being corrected"
    judgement = risk_scoring.judgement_problem(
        values, thresholds, judged_level=data.get("judged_level"), judgement_reasons=data.get("judgement_reasons")
    )
    if judgement:
        field = "judgement_reasons" if judgement.startswith("Enter") else "judged_level"
        problems[field] = judgement
    return problems


def complete(assessment, thresholds, user):
    """Score a finished DASH with the area's thresholds of the day. It is then never edited."""
    result = risk_scoring.assess(
        answer_values(assessment.answers),
        thresholds,
        judged_level=assessment.judged_level,
        judgement_reasons=assessment.judgement_reasons,
        incidents_in_window=assessment.incidents_in_window,
    )
    assessment.score = result.score
    assessment.level = result.level
    assessment.criteria = [[criterion.value, why] for criterion, why in result.criteria]
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = utcnow()
    return result


def of_case(case, assessment_id):
    """The case's assessment with this id, else None."""
    assessment = db.session.get(RiskAssessment, assessment_id)
    return assessment if assessment is not None and assessment.case_id == case.id else None


def correctable(case, assessment_id):
    """The case's assessment with this id if a new DASH may correct it (a completed DASH), else None."""
    assessment = of_case(case, assessment_id)
    if assessment is None or not assessment.is_completed or assessment.tool != RiskTool.DASH:
        return None
    return assessment


def new_dash(case, user, *, corrects=None):
    """A new draft DASH; a correction starts from the answers of the one it corrects."""
    assessment = RiskAssessment(
        case_id=case.id,
        tool=RiskTool.DASH,
        created_by_id=user.id,
        agency_id=user.agency_id,
        assessor_name=user.name,
        answers={},
    )
    if corrects is not None:
        if not corrects.is_completed or corrects.tool != RiskTool.DASH:
            raise ValueError("Only a completed DASH can be corrected")
        assessment.corrects_id = corrects.id
        for field in (
            "answers",
            "assessed_on",
            "fears_detail",
            "incidents_in_window",
            "judged_level",
            "judgement_reasons",
        ):
            setattr(assessment, field, getattr(corrects, field))
    return assessment


def current_query():
    """The case's current risk assessments, the one that gives its level first: the latest by date
    among the completed ones not replaced by a correction (ties: the one completed last)."""
    return (
        sa.select(RiskAssessment)
        .where(current_assessment())
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.completed_at.desc(), RiskAssessment.id.desc())
    )


def current(case_id):
    """The assessment that gives the case its risk level now, or None."""
    # With its agency: the case's header names it when the assessment lowered the level.
    query = current_query().where(RiskAssessment.case_id == case_id).options(joinedload(RiskAssessment.agency))
    return db.session.scalar(query.limit(1))


def lowering(case_id, level, assessed_on):
    """The current assessment that a new result at `level`, dated `assessed_on`, would lower: it
    becomes current (no older than the current one) at a lower level. Else None: the same or a
    higher level simply becomes current, and an older result does not become current at all."""
    now = current(case_id)
    if now is None or not now.level or not level:
        return None
    if now.assessed_on and assessed_on and assessed_on < now.assessed_on:
        return None
    return now if RiskLevel(level).rank < RiskLevel(now.level).rank else None


def other_tool_problems(case, data):
    """{field: message} for what stops another tool's result being recorded: a lower level than the
    current one must say what has changed since (the web form asks here; nothing else records one)."""
    if problem := date_rules.assessment_date_problem(data.get("assessed_on"), born=case.victim.date_of_birth):
        return {"assessed_on": problem}
    if lowering(case.id, data.get("level"), data.get("assessed_on")) and not (data.get("what_changed") or "").strip():
        return {"what_changed": WHAT_CHANGED_MESSAGE}
    return {}


def record_other_tool(case, data, user):
    """A police DASH or DARA result: its level, source and rationale, not scored here. One that
    lowers the current level keeps that level and what has changed (refused without it)."""
    if other_tool_problems(case, data):
        raise ValueError(WHAT_CHANGED_MESSAGE)
    lowered = lowering(case.id, data["level"], data["assessed_on"])
    assessment = RiskAssessment(
        case_id=case.id,
        tool=data["tool"],
        status=AssessmentStatus.COMPLETED,
        assessed_on=data["assessed_on"],
        level=data["level"],
        source=data["source"].strip(),
        rationale=data["rationale"].strip(),
        lowered_from=lowered.level if lowered else None,
        what_changed=(data.get("what_changed") or "").strip() or None,
        created_by_id=user.id,
        agency_id=user.agency_id,
        assessor_name=user.name,
        completed_at=utcnow(),
        answers={},
    )
    db.session.add(assessment)
    return assessment


def history(case_id):
    """Every assessment of a case, newest first: completed ones and drafts."""
    return db.session.scalars(
        sa.select(RiskAssessment)
        .where(RiskAssessment.case_id == case_id)
        .options(selectinload(RiskAssessment.agency))
        .order_by(
            RiskAssessment.assessed_on.desc().nulls_first(), RiskAssessment.created_at.desc(), RiskAssessment.id.desc()
        )
    ).all()


def superseded_ids(assessments):
    return {a.corrects_id for a in assessments if a.corrects_id and a.is_completed}


def chart(assessments, thresholds):
    """Points for the risk-over-time chart: completed DASH scores, oldest first, not superseded."""
    replaced = superseded_ids(assessments)
    scored = [
        a
        for a in reversed(assessments)
        if a.is_completed and a.tool == RiskTool.DASH and a.id not in replaced and a.assessed_on
    ]
    if not scored:
        return None
    inner_width = CHART_WIDTH - 2 * CHART_PADDING
    inner_height = CHART_HEIGHT - 2 * CHART_PADDING
    step = inner_width / max(len(scored) - 1, 1)

    def y_for(score):
        return round(CHART_PADDING + inner_height * (1 - score / len(risk_scoring.QUESTIONS)), 1)

    points = [
        {
            "x": round(CHART_PADDING + index * step, 1),
            "y": y_for(a.score),
            "score": a.score,
            "level": a.level,
            "on": a.assessed_on,
        }
        for index, a in enumerate(scored)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "padding": CHART_PADDING,
        "points": points,
        "high_y": y_for(thresholds.high),
        "medium_y": y_for(thresholds.medium),
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
    }
