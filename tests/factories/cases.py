"""Builders for cases, the agencies and IDVAs involved in them, and their risk assessments.

Like tests/factories/__init__.py: every name is invented, and they return plain values, not live objects.
"""

import itertools
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from marac.services import cases, risk_scoring
from models import Allocation, AssessmentStatus, Case, CaseAgency, CasePerpetrator, RiskAssessment, RiskTool, db
from models.clock import uk_today, utcnow

_sequence = itertools.count(1)


def dash_answers(yes, *, no=None, dont_know=0):
    """Posted DASH answers: the first `yes` questions Yes, then `dont_know` Don't know, then No.

    `no` limits how many No answers there are (the rest are left unanswered).
    """
    answers = {}
    for number in risk_scoring.QUESTIONS:
        if number <= yes:
            answers[f"q{number}"] = "yes"
        elif number <= yes + dont_know:
            answers[f"q{number}"] = "dont_know"
        elif no is None or number <= yes + dont_know + no:
            answers[f"q{number}"] = "no"
    return answers


def stored_answers(yes):
    """Answers as RiskAssessment.answers keeps them: the first `yes` Yes, the rest No."""
    return {
        str(number): {"answer": "yes" if number <= yes else "no", "source": "", "comment": ""}
        for number in risk_scoring.QUESTIONS
    }


class CaseFactory:
    def __init__(self, app):
        self.app = app

    def case(self, area_id, *, victim=None, perpetrator=None, created_by_id=None, agency_ids=(), **notes):
        """A case in an area with a victim and one perpetrator (fields override the invented ones)."""
        n = next(_sequence)
        victim = {
            "first_name": "Vera",
            "last_name": f"Testvictim{n}",
            "date_of_birth": date(1990, 3, 27),
            "address": f"{n} Mill Lane, Testtown",
            "postcode": "ZZ1 1AB",
            "aliases": [],
            **(victim or {}),
        }
        perpetrator = {
            "first_name": "Percy",
            "last_name": f"Testabuser{n}",
            "date_of_birth": date(1985, 7, 1),
            "aliases": [],
            **(perpetrator or {}),
        }
        with self.app.app_context():
            case = Case(
                area_id=area_id,
                victim=cases.new_person(victim),
                created_by_id=created_by_id,
                **{field: notes.get(field) for field in cases.NOTE_FIELDS},
            )
            case.perpetrators.append(
                CasePerpetrator(person=cases.new_person(perpetrator), relationship_to_victim="partner")
            )
            db.session.add(case)
            db.session.flush()
            for agency_id in agency_ids:
                db.session.add(CaseAgency(case_id=case.id, agency_id=agency_id, reason="referred"))
            db.session.commit()
            return SimpleNamespace(
                id=case.id,
                area_id=area_id,
                victim_id=case.victim_id,
                perpetrator_id=case.perpetrators[0].person_id,
                victim_name=case.victim.full_name,
            )

    def involve(self, case_id, agency_id, reason="research"):
        with self.app.app_context():
            db.session.add(CaseAgency(case_id=case_id, agency_id=agency_id, reason=reason))
            db.session.commit()

    def allocate(self, case_id, idva_id, *, ended=False):
        with self.app.app_context():
            allocation = Allocation(case_id=case_id, idva_id=idva_id, ended_at=utcnow() if ended else None)
            db.session.add(allocation)
            db.session.commit()
            return allocation.id

    def completed_dashes(self, case_id, count, *, yes=15, first_on=None, agency_id=None):
        """`count` completed DASH assessments, one a day up to `first_on + count - 1` (in one INSERT)."""
        first_on = first_on or uk_today() - timedelta(days=count + 1)
        result = risk_scoring.assess(
            {n: risk_scoring.Answer(a["answer"]) for n, a in _int_keys(stored_answers(yes)).items()},
            risk_scoring.Thresholds(),
        )
        rows = [
            {
                "case_id": case_id,
                "tool": RiskTool.DASH.value,
                "status": AssessmentStatus.COMPLETED.value,
                "assessed_on": first_on + timedelta(days=index),
                "assessor_name": f"Assessor {index}",
                "agency_id": agency_id,
                "answers": stored_answers(yes),
                "score": result.score,
                "level": result.level.value,
                "criteria": [[criterion.value, why] for criterion, why in result.criteria],
                "completed_at": utcnow(),
                "created_at": utcnow(),
                "version": 1,
            }
            for index in range(count)
        ]
        with self.app.app_context():
            db.session.execute(sa.insert(RiskAssessment), rows)
            db.session.commit()
            return list(
                db.session.scalars(
                    sa.select(RiskAssessment.id).where(RiskAssessment.case_id == case_id).order_by(RiskAssessment.id)
                )
            )

    def draft(self, case_id, *, answers=None, assessed_on=None, assessor_name="Draft Assessor"):
        with self.app.app_context():
            assessment = RiskAssessment(
                case_id=case_id,
                answers=answers if answers is not None else {},
                assessed_on=assessed_on,
                assessor_name=assessor_name,
            )
            db.session.add(assessment)
            db.session.commit()
            return SimpleNamespace(id=assessment.id, version=assessment.version)


def _int_keys(answers):
    return {int(number): given for number, given in answers.items()}
