"""A case heard at two MARAC meetings, with research, actions and IDVA support: what the case's
MARAC history, Actions tab and timeline show, and to whom.

Like tests/factories/__init__.py: every name is invented, and they return plain values.
"""

from datetime import timedelta
from types import SimpleNamespace

from marac.services import meetings
from models import (
    ActionStatus,
    AgencyKind,
    AgendaItem,
    Case,
    Meeting,
    MeetingStatus,
    Referral,
    ReferralStatus,
    ResearchRequest,
    Role,
    User,
    db,
)
from models.clock import uk_today
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory


def hear(app, meeting_id, item_id, discussion, risk_after):
    """The case discussed and the meeting recorded as held."""
    with app.app_context():
        meetings.save_discussion(db.session.get(AgendaItem, item_id), discussion, risk_after)
        meeting = db.session.get(Meeting, meeting_id)
        meeting.status, meeting.held_at = MeetingStatus.HELD, meeting.starts_at
        db.session.commit()


def answer(app, item_id, agency_id, user_id, facts):
    with app.app_context():
        request = db.session.query(ResearchRequest).filter_by(agenda_item_id=item_id, agency_id=agency_id).one()
        meetings.answer_research(request, db.session.get(User, user_id), nothing_known=False, facts=facts)
        db.session.commit()


def heard_twice(app, make):
    """One case in one area, involving the police and housing, heard at two held meetings (the
    first chaired by `chair`), with each agency's research and actions at both; an IDVA supports it."""
    cases, actions = CaseFactory(app), ActionFactory(app)
    area = make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id], name=f"Police of {area.name}")
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id], name=f"Housing of {area.name}")
    idva_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id], name=f"IDVAs of {area.name}")
    users = SimpleNamespace(
        coordinator=make.user(Role.COORDINATOR, agency_id=idva_service.id, area_ids=[area.id]),
        police=make.user(Role.AGENCY_REP, agency_id=police.id, area_ids=[area.id]),
        housing=make.user(Role.AGENCY_REP, agency_id=housing.id, area_ids=[area.id]),
        idva=make.user(Role.IDVA, agency_id=idva_service.id, area_ids=[area.id]),
        chair=make.user(Role.CHAIR, agency_id=police.id, area_ids=[area.id]),
    )
    case = cases.case(area.id, agency_ids=[police.id, housing.id])
    today = uk_today()
    cases.completed_dashes(case.id, 1, yes=10, first_on=today - timedelta(days=80), agency_id=police.id)  # medium
    cases.completed_dashes(case.id, 1, yes=15, first_on=today - timedelta(days=70), agency_id=police.id)  # high
    referrals = _referrals(app, case, police, users.police, today)
    _idva_support(app, case, users.idva, users.coordinator, today)
    first = actions.meeting(
        area.id, today - timedelta(days=60), case_ids=[case.id], chair_id=users.chair.id, publish=True
    )
    second = actions.meeting(area.id, today - timedelta(days=10), case_ids=[case.id], publish=True)
    made = {}
    for label, meeting in (("first", first), ("second", second)):
        item_id = meeting.items[case.id]
        _set_referral(app, item_id, referrals[label])
        answer(app, item_id, police.id, users.police.id, f"Police research for the {label} meeting")
        answer(app, item_id, housing.id, users.housing.id, f"Housing research for the {label} meeting")
        hear(app, meeting.id, item_id, f"Discussion at the {label} meeting", "high" if label == "first" else "medium")
        made[label] = SimpleNamespace(
            police=actions.action(
                case.id,
                police.id,
                due_on=today - timedelta(days=5) if label == "second" else today - timedelta(days=30),
                status=ActionStatus.COMPLETED if label == "first" else ActionStatus.NOT_STARTED,
                meeting_id=meeting.id,
                item_id=item_id,
                what=f"Police action of the {label} meeting",
            ),
            housing=actions.action(
                case.id,
                housing.id,
                due_on=today + timedelta(days=20),
                meeting_id=meeting.id,
                item_id=item_id,
                what=f"Housing action of the {label} meeting",
            ),
        )
    return SimpleNamespace(
        area=area,
        police=police,
        housing=housing,
        case=case,
        users=users,
        referrals=referrals,
        first=first,
        second=second,
        actions=made,
    )


def _referrals(app, case, agency, referrer, today):
    """{"first": the police's first referral, "second": its repeat}, both accepted."""
    from tests.factories.caseload import CaseloadFactory, uk_moment

    factory = CaseloadFactory(app)
    first = factory.referral(
        case.id,
        case.area_id,
        agency_id=agency.id,
        referrer_id=referrer.id,
        received_at=uk_moment(today - timedelta(days=69)),
    )
    second = factory.referral(
        case.id,
        case.area_id,
        agency_id=agency.id,
        referrer_id=referrer.id,
        received_at=uk_moment(today - timedelta(days=20)),
    )
    with app.app_context():
        for referral_id in (first, second):
            referral = db.session.get(Referral, referral_id)
            referral.status, referral.decided_at = ReferralStatus.ACCEPTED, referral.submitted_at + timedelta(hours=2)
        repeat = db.session.get(Referral, second)
        repeat.is_repeat, repeat.repeat_of_id = True, first
        db.session.commit()
    return {"first": first, "second": second}


def _set_referral(app, item_id, referral_id):
    with app.app_context():
        db.session.get(AgendaItem, item_id).referral_id = referral_id
        db.session.commit()


def _idva_support(app, case, idva, by, today):
    """Allocated through the service, one attempt and one contact, a safety plan reviewed once,
    and needs at intake."""
    from marac.services import caseload
    from tests.factories.caseload import uk_moment

    with app.app_context():
        record = db.session.get(Case, case.id)
        worker = db.session.get(User, idva.id)
        support, _ = caseload.allocate(
            record, worker, db.session.get(User, by.id), now=uk_moment(today - timedelta(days=68))
        )
        db.session.flush()
        for days, outcome in ((67, "no_answer"), (66, "spoke")):
            caseload.log_contact(
                record,
                support,
                worker,
                contacted_at=uk_moment(today - timedelta(days=days)),
                method="phone",
                outcome=outcome,
                was_safe=True,
            )
        for version in (0, 1):
            caseload.save_plan(record, worker, {"review_on": today + timedelta(days=30)}, version=version)
            db.session.flush()
        caseload.save_intake(support, {"needs": {"accommodation": "high", "health": "low"}}, version=support.version)
        db.session.commit()


def grow(app, journey, n):
    """`n` more of everything the case's tabs and timeline list: meetings that heard it with an
    action of each agency, risk results, contacts and safety plan reviews."""
    from marac.services import caseload
    from tests.factories.caseload import uk_moment

    cases, actions = CaseFactory(app), ActionFactory(app)
    today = uk_today()
    cases.completed_dashes(journey.case.id, n, first_on=today - timedelta(days=n + 100), agency_id=journey.police.id)
    for index in range(n):
        day = today - timedelta(days=300 + 14 * index)
        meeting = actions.meeting(journey.area.id, day, case_ids=[journey.case.id], publish=True)
        item_id = meeting.items[journey.case.id]
        hear(app, meeting.id, item_id, f"Discussion {index}", "high")
        for agency in (journey.police, journey.housing):
            actions.action(
                journey.case.id, agency.id, due_on=day + timedelta(days=20), meeting_id=meeting.id, item_id=item_id
            )
    with app.app_context():
        record = db.session.get(Case, journey.case.id)
        worker = db.session.get(User, journey.users.idva.id)
        support = caseload.open_support(record.id)
        for index in range(n):
            caseload.log_contact(
                record,
                support,
                worker,
                contacted_at=uk_moment(today - timedelta(days=index + 1)),
                method="phone",
                outcome="spoke",
                was_safe=True,
            )
            current = caseload.current_plan(record.id)
            caseload.save_plan(record, worker, {"review_on": today + timedelta(days=30)}, version=current.version)
            db.session.flush()
        db.session.commit()
