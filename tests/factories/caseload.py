"""Builders for the IDVA caseload: referred high-risk cases, allocations through the service, and
a bulk caseload (plain INSERTs) for the query budget. Every name is invented."""

import itertools
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from marac.services import caseload
from models import (
    AgendaItem,
    Allocation,
    AssessmentStatus,
    Case,
    CaseAgency,
    Contact,
    IdvaTask,
    Meeting,
    Person,
    Referral,
    ReferralStatus,
    RiskAssessment,
    RiskTool,
    Support,
    User,
    clock,
    db,
)
from models.clock import uk_today, utcnow
from tests.factories.cases import CaseFactory, stored_answers

_sequence = itertools.count(1)


class CaseloadFactory:
    def __init__(self, app):
        self.app = app
        self.cases = CaseFactory(app)

    def referred_case(
        self, area_id, *, agency_id, referrer_id, yes=15, received_at=None, status=ReferralStatus.SUBMITTED, victim=None
    ):
        """A case with a completed DASH (`yes` Yes answers) and a referral sent `received_at`."""
        case = self.cases.case(area_id, victim=victim, agency_ids=[agency_id])
        self.cases.completed_dashes(case.id, 1, yes=yes, agency_id=agency_id)
        received_at = received_at or utcnow() - timedelta(hours=3)
        self.referral(
            case.id, area_id, agency_id=agency_id, referrer_id=referrer_id, received_at=received_at, status=status
        )
        return case

    def referral(self, case_id, area_id, *, agency_id, referrer_id, received_at, status=ReferralStatus.SUBMITTED):
        with self.app.app_context():
            referral = Referral(
                area_id=area_id,
                case_id=case_id,
                status=status,
                referred_on=clock.uk_date(received_at),
                referring_agency_id=agency_id,
                referrer_id=referrer_id,
                referrer_name="Pat Testreferrer",
                draft={},
                criteria=["visible_high_risk"],
                submitted_at=received_at,
            )
            db.session.add(referral)
            db.session.commit()
            return referral.id

    def allocate(self, case_id, idva_id, by_id, *, now=None):
        """Allocate through the service, as the manager's page does. Returns the support id."""
        with self.app.app_context():
            support, _happened = caseload.allocate(
                db.session.get(Case, case_id), db.session.get(User, idva_id), db.session.get(User, by_id), now=now
            )
            db.session.commit()
            return support.id

    def meeting(self, area_id, starts_at, case_ids):
        with self.app.app_context():
            meeting = Meeting(
                area_id=area_id, starts_at=starts_at, referral_cut_off=starts_at.date() - timedelta(days=7)
            )
            db.session.add(meeting)
            db.session.flush()
            for position, case_id in enumerate(case_ids):
                db.session.add(
                    AgendaItem(meeting_id=meeting.id, case_id=case_id, section="adults", position=position + 1)
                )
            db.session.commit()
            return meeting.id

    def bulk_caseload(self, count, *, area_id, idva_id, agency_id, meeting_id=None, today=None):
        """`count` active cases allocated to one IDVA, each with a victim, a completed DASH, a
        support, two contacts (an attempt and a contact), an open task and, with a meeting, an
        agenda item: a handful of multi-row INSERTs, however many cases."""
        today = today or uk_today()
        now = utcnow()
        n = next(_sequence)
        with self.app.app_context():
            people = (
                db.session.execute(
                    sa.insert(Person).returning(Person.id, sort_by_parameter_order=True),
                    [
                        {
                            "first_name": "Bulk",
                            "last_name": f"Victim{n}x{index}",
                            "date_of_birth": date(1980, 1, 1) + timedelta(days=index),
                            "needs_interpreter": False,
                            "is_address_confidential": False,
                            "created_at": now,
                            "updated_at": now,
                            "version": 1,
                        }
                        for index in range(count)
                    ],
                )
                .scalars()
                .all()
            )
            case_ids = (
                db.session.execute(
                    sa.insert(Case).returning(Case.id, sort_by_parameter_order=True),
                    [
                        {"area_id": area_id, "victim_id": person_id, "status": "open", "created_at": now, "version": 1}
                        for person_id in people
                    ],
                )
                .scalars()
                .all()
            )
            db.session.execute(
                sa.insert(CaseAgency),
                [
                    {"case_id": case_id, "agency_id": agency_id, "since": today, "reason": "allocated"}
                    for case_id in case_ids
                ],
            )
            db.session.execute(
                sa.insert(RiskAssessment),
                [
                    {
                        "case_id": case_id,
                        "tool": RiskTool.DASH.value,
                        "status": AssessmentStatus.COMPLETED.value,
                        "assessed_on": today - timedelta(days=index % 90),
                        "answers": stored_answers(15),
                        "score": 15,
                        "level": ["high", "medium", "standard"][index % 3],
                        "criteria": [],
                        "completed_at": now,
                        "created_at": now,
                        "version": 1,
                    }
                    for index, case_id in enumerate(case_ids)
                ],
            )
            received = [now - timedelta(days=index % 60, hours=5) for index in range(count)]
            support_ids = (
                db.session.execute(
                    sa.insert(Support).returning(Support.id, sort_by_parameter_order=True),
                    [
                        {
                            "case_id": case_id,
                            "received_at": received[index],
                            "opened_at": received[index] + timedelta(hours=2),
                            "triage_due_at": received[index] + timedelta(hours=48),
                            "first_contact_due_on": clock.uk_date(received[index]) + timedelta(days=3),
                            "first_contact_on": clock.uk_date(received[index]) + timedelta(days=1),
                            "intake_risk_level": "high",
                            "version": 1,
                        }
                        for index, case_id in enumerate(case_ids)
                    ],
                )
                .scalars()
                .all()
            )
            db.session.execute(
                sa.insert(Allocation),
                [
                    {
                        "case_id": case_id,
                        "idva_id": idva_id,
                        "started_at": received[index] + timedelta(hours=2),
                        "support_id": support_ids[index],
                    }
                    for index, case_id in enumerate(case_ids)
                ],
            )
            contacts = []
            for index, (case_id, support_id) in enumerate(zip(case_ids, support_ids, strict=True)):
                for number, outcome in enumerate(("no_answer", "spoke")):
                    contacts.append(
                        {
                            "case_id": case_id,
                            "support_id": support_id,
                            "idva_id": idva_id,
                            "contacted_at": received[index] + timedelta(days=1, hours=number),
                            "method": "phone",
                            "outcome": outcome,
                            "is_contact": outcome == "spoke",
                            "was_safe": True,
                            "created_at": now,
                        }
                    )
            db.session.execute(sa.insert(Contact), contacts)
            db.session.execute(
                sa.insert(IdvaTask),
                [
                    {
                        "case_id": case_id,
                        "support_id": support_ids[index],
                        "idva_id": idva_id,
                        "kind": "marac_feedback",
                        "meeting_id": meeting_id,
                        "title": "Give the victim feedback from the MARAC meeting",
                        "due_on": today + timedelta(days=(index % 5) - 2),
                        "created_at": now,
                    }
                    for index, case_id in enumerate(case_ids)
                ],
            )
            if meeting_id:
                db.session.execute(
                    sa.insert(AgendaItem),
                    [
                        {
                            "meeting_id": meeting_id,
                            "case_id": case_id,
                            "section": "adults",
                            "position": 1000 * n + index,
                            "planned_minutes": 10,
                            "is_placed_by_hand": False,
                            "version": 1,
                        }
                        for index, case_id in enumerate(case_ids)
                    ],
                )
            db.session.commit()
            return list(case_ids)


def uk_moment(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=clock.UK)
