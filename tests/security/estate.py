"""A small deployment for the hardening tests: two areas, agencies of several kinds, a user of
every role, and one record of every kind that some of those users must not reach.

Two agencies serve both areas, the county's police force (a force spans several MARACs) and a
county IDVA service: the away area's case, meeting, referral and action of the force are records
the home area's force representative and the county's home IDVA must not reach.

Every name is invented; the victims' surnames are distinctive so that a page or PDF that shows
one it should not is easy to catch.
"""

from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from models import (
    ActionStatus,
    AgencyKind,
    AgendaItem,
    Case,
    Meeting,
    Referral,
    ReferralStatus,
    RiskAssessment,
    Role,
    db,
)
from models.clock import uk_today
from models.meetings import meeting_agencies
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in
from tests.security.forms_walk import form_pages

TODAY = uk_today()


def build(app, make):
    cases, actions = CaseFactory(app), ActionFactory(app)
    home, away = make.area(name="Homeshire"), make.area(name="Awayshire")
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[home.id], name="Homeshire Police")
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[home.id], name="Homeshire Housing")
    idva_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[home.id], name="Homeshire IDVA Service")
    away_police = make.agency(kind=AgencyKind.POLICE, area_ids=[away.id], name="Awayshire Police")
    force = make.agency(kind=AgencyKind.POLICE, area_ids=[home.id, away.id], name="Shire Constabulary")
    county_idvas = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[home.id, away.id], name="Shire IDVA Service")

    users = SimpleNamespace(
        coordinator=make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[home.id]),
        chair=make.user(Role.CHAIR, agency_id=police.id, area_ids=[home.id]),
        idva=make.user(Role.IDVA, agency_id=idva_service.id, area_ids=[home.id]),
        other_idva=make.user(Role.IDVA, agency_id=idva_service.id, area_ids=[home.id]),
        idva_manager=make.user(Role.IDVA_MANAGER, agency_id=idva_service.id, area_ids=[home.id]),
        police_rep=make.user(Role.AGENCY_REP, agency_id=police.id, area_ids=[home.id]),
        housing_rep=make.user(Role.AGENCY_REP, agency_id=housing.id, area_ids=[home.id]),
        steering=make.user(Role.STEERING, agency_id=police.id, area_ids=[home.id]),
        admin=make.user(Role.ADMIN, agency_id=police.id, area_ids=[home.id]),
        away_coordinator=make.user(Role.COORDINATOR, agency_id=away_police.id, area_ids=[away.id]),
        force_rep=make.user(Role.AGENCY_REP, agency_id=force.id, area_ids=[home.id]),
        away_force_rep=make.user(Role.AGENCY_REP, agency_id=force.id, area_ids=[away.id]),
        county_idva=make.user(Role.IDVA, agency_id=county_idvas.id, area_ids=[home.id]),
        everything=make.user(*Role, agency_id=police.id, area_ids=[home.id, away.id]),
    )

    # A case the police are involved in (and the housing service is not), with an action the
    # police own, a referral the police made, and a risk assessment.
    police_case = cases.case(
        home.id, victim={"last_name": "Zanzibarova"}, agency_ids=[police.id], created_by_id=users.coordinator.id
    )
    # A case allocated to one IDVA (and not to the other).
    idva_case = cases.case(home.id, victim={"last_name": "Quillfeather"}, agency_ids=[idva_service.id])
    cases.allocate(idva_case.id, users.other_idva.id)
    # A case in the other area, the force involved there too.
    away_case = cases.case(away.id, victim={"last_name": "Farthingale"}, agency_ids=[away_police.id, force.id])
    cases.completed_dashes(police_case.id, 1, agency_id=police.id)
    cases.completed_dashes(away_case.id, 1, agency_id=away_police.id)

    with app.app_context():
        referral = Referral(
            area_id=home.id,
            case_id=police_case.id,
            status=ReferralStatus.SUBMITTED,
            referred_on=TODAY - timedelta(days=3),
            referring_agency_id=police.id,
            referrer_id=users.police_rep.id,
            referrer_name="Officer Dibble",
        )
        away_referral = Referral(
            area_id=away.id,
            case_id=away_case.id,
            status=ReferralStatus.SUBMITTED,
            referred_on=TODAY - timedelta(days=3),
            referring_agency_id=away_police.id,
            referrer_id=users.away_coordinator.id,
            referrer_name="Officer Krupke",
        )
        # The force's referral in the other area, by its representative there.
        force_away_referral = Referral(
            area_id=away.id,
            case_id=away_case.id,
            status=ReferralStatus.SUBMITTED,
            referred_on=TODAY - timedelta(days=2),
            referring_agency_id=force.id,
            referrer_id=users.away_force_rep.id,
            referrer_name="Sergeant Wexley",
        )
        # A draft the all-roles user is still writing (its pages offer the referral forms).
        draft = Referral(
            area_id=home.id,
            status=ReferralStatus.DRAFT,
            referring_agency_id=police.id,
            referrer_id=users.everything.id,
            referrer_name="Officer Draft",
            draft={
                "victim": {"first_name": "Dulcibella", "last_name": "Draftwright", "aliases": []},
                "perpetrator": {"first_name": "Percival", "last_name": "Draftwright", "aliases": []},
                "children": [],
                "notes": {},
            },
        )
        db.session.add_all([referral, away_referral, force_away_referral, draft])
        db.session.commit()
        referral_id, away_referral_id, draft_id = referral.id, away_referral.id, draft.id
        force_away_referral_id = force_away_referral.id

    # A published meeting of the home area listing the police case, with the housing service
    # taken off its invitation list; and one of the other area.
    meeting = actions.meeting(home.id, TODAY + timedelta(days=10), case_ids=[police_case.id], chair_id=users.chair.id)
    with app.app_context():
        db.session.execute(
            sa.delete(meeting_agencies).where(
                meeting_agencies.c.meeting_id == meeting.id, meeting_agencies.c.agency_id == housing.id
            )
        )
        db.session.commit()
        from marac.services import meetings as meeting_service

        row = db.session.get(Meeting, meeting.id)
        meeting_service.publish(row, meeting_service.title(row))
        db.session.commit()
    away_meeting = actions.meeting(away.id, TODAY + timedelta(days=12), case_ids=[away_case.id], publish=True)

    police_action = actions.action(
        police_case.id,
        police.id,
        due_on=TODAY + timedelta(days=20),
        meeting_id=meeting.id,
        item_id=meeting.items[police_case.id],
        by=users.coordinator.id,
        what="Fit a panic alarm at the Zanzibarova address",
    )
    away_action = actions.action(
        away_case.id,
        away_police.id,
        due_on=TODAY + timedelta(days=20),
        meeting_id=away_meeting.id,
        item_id=away_meeting.items[away_case.id],
        what="Check the Farthingale bail conditions",
        status=ActionStatus.IN_PROGRESS,
    )
    force_away_action = actions.action(
        away_case.id,
        force.id,
        due_on=TODAY + timedelta(days=21),
        meeting_id=away_meeting.id,
        item_id=away_meeting.items[away_case.id],
        what="Serve the non-molestation order at Wexley Street",
    )
    with app.app_context():
        assessments = {
            case_id: db.session.scalar(sa.select(RiskAssessment.id).where(RiskAssessment.case_id == case_id))
            for case_id in (police_case.id, away_case.id)
        }
        victims = {
            case_id: db.session.scalar(sa.select(Case.victim_id).where(Case.id == case_id))
            for case_id in (police_case.id, idva_case.id, away_case.id)
        }
        items = {
            meeting_id: db.session.scalar(sa.select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
            for meeting_id in (meeting.id, away_meeting.id)
        }

    return SimpleNamespace(
        areas=SimpleNamespace(home=home, away=away),
        agencies=SimpleNamespace(
            police=police,
            housing=housing,
            idva_service=idva_service,
            away_police=away_police,
            force=force,
            county_idvas=county_idvas,
        ),
        users=users,
        cases=SimpleNamespace(police=police_case, idva=idva_case, away=away_case),
        referrals=SimpleNamespace(
            police=referral_id, away=away_referral_id, draft=draft_id, force_away=force_away_referral_id
        ),
        meetings=SimpleNamespace(home=meeting.id, away=away_meeting.id),
        items=items,
        actions=SimpleNamespace(police=police_action, away=away_action, force_away=force_away_action),
        assessments=assessments,
        victims=victims,
        names={police_case.id: "Zanzibarova", idva_case.id: "Quillfeather", away_case.id: "Farthingale"},
    )


def url_values(estate, *, case_id=None, meeting_id=None, referral_id=None, action_id=None, agency_id=None):
    """Values for a URL's arguments that belong together (a case's own victim and assessment, a
    meeting's own agenda item)."""
    values = {}
    if case_id is not None:
        values.update(
            case_id=case_id,
            person_id=estate.victims.get(case_id, 1),
            assessment_id=estate.assessments.get(case_id) or 1,
        )
    if meeting_id is not None:
        values.update(meeting_id=meeting_id, item_id=estate.items.get(meeting_id) or 1)
    if referral_id is not None:
        values["referral_id"] = referral_id
    if action_id is not None:
        values["action_id"] = action_id
    if agency_id is not None:
        values["agency_id"] = agency_id
    return values


def home_values(estate, referral="police"):
    """URL values of the home area's records that walk every page: the police's case, action and
    agency, the home meeting, and the police's referral (or, with "draft", the draft one)."""
    return url_values(
        estate,
        case_id=estate.cases.police.id,
        meeting_id=estate.meetings.home,
        referral_id=getattr(estate.referrals, referral),
        action_id=estate.actions.police,
        agency_id=estate.agencies.police.id,
    )


def every_form(app, estate):
    """A client signed in as the user with every role, and every form it finds on the pages of the
    home area's records (with each referral: the police's and the draft)."""
    client = signed_in(app, estate.users.everything.email)
    return client, form_pages(app, client, home_values(estate), home_values(estate, "draft"))


def caseload_forms(app, estate):
    """A client signed in as the IDVA service's manager, and the IDVA caseload forms of the case
    allocated to one of their IDVAs (the all-roles user is in no IDVA service's team)."""
    client = signed_in(app, estate.users.idva_manager.email)
    values = url_values(estate, case_id=estate.cases.idva.id) | {"idva_id": estate.users.other_idva.id}
    return client, form_pages(app, client, values)
