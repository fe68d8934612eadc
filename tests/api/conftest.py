"""Fixtures for the partner systems' API: tokens, a client that sends one, valid request bodies,
and a meeting with a published case list and actions for each agency."""

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import actions, agenda, api_tokens, meetings
from models import Agency, AgendaSection, Area, Case, Meeting, User, db
from models.risk import QUESTIONS
from tests.case_factories import CaseFactory

TODAY = date.today()
ALL_POLICE_SCOPES = ("referrals:write", "referrals:read", "actions:read", "actions:write", "meetings:read")


class Api:
    """The test client, sending `Authorization: Bearer <token>`."""

    def __init__(self, client, secret):
        self.client, self.secret = client, secret

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)


def issue_token(app, email, *scopes, days=30):
    with app.app_context():
        user = api_tokens.user_by_email(email)
        token, secret = api_tokens.issue(user, name="Test case system", scopes=scopes, days=days)
        db.session.commit()
        return SimpleNamespace(id=token.id, secret=secret, user_id=user.id, agency_id=user.agency_id)


@pytest.fixture
def token(app, demo):
    """issue(email, *scopes) -> a token (id, secret, user_id, agency_id)."""
    return lambda email, *scopes, **kwargs: issue_token(app, email, *scopes, **kwargs)


@pytest.fixture
def api(app, client, token):
    """api(email, *scopes) -> an Api client with a new token of that user."""

    def make(email="police@example.org", *scopes):
        return Api(app.test_client(), token(email, *(scopes or ALL_POLICE_SCOPES)).secret)

    return make


def ids(app):
    """Area and agency ids of the demo data by name."""
    with app.app_context():
        areas = dict(db.session.execute(sa.select(Area.name, Area.id)).all())
        agencies = dict(db.session.execute(sa.select(Agency.name, Agency.id)).all())
        users = dict(db.session.execute(sa.select(User.email, User.id)).all())
    return SimpleNamespace(areas=areas, agencies=agencies, users=users)


def dash_body(yes=15, on=TODAY):
    return {
        "answers": {str(number): {"answer": "yes" if number <= yes else "no"} for number in QUESTIONS},
        "assessed_on": on.isoformat(),
        "assessor_name": "Pat Constable",
        "fears_detail": "Being killed",
    }


def referral_body(
    area_id,
    *,
    on=TODAY,
    victim=("Tessa", "Quillfeather", date(1990, 4, 3)),
    perpetrator=("Rex", "Bramblecote", date(1988, 1, 9)),
    yes=15,
    criteria=("visible_high_risk",),
    **extra,
):
    first, last, born = victim
    p_first, p_last, p_born = perpetrator
    body = {
        "area_id": area_id,
        "referred_on": on.isoformat(),
        "referrer_name": "Pat Constable",
        "referrer_contact": "01632 960 001",
        "victim": {"first_name": first, "last_name": last, "date_of_birth": born.isoformat()},
        "perpetrator": {
            "first_name": p_first,
            "last_name": p_last,
            "date_of_birth": p_born.isoformat(),
            "relationship_to_victim": "partner",
        },
        "criteria": list(criteria),
        "is_victim_aware": True,
        "has_consent": True,
        "dash": dash_body(yes, on),
    }
    body.update(extra)
    return body


@pytest.fixture
def world(app, demo):
    """Northmoor's published meeting (the demo chair's) with two cases (one victim's address confidential), an
    unpublished one, Eastwick Vale's published one, and actions owned by police and by housing."""
    found = ids(app)
    northmoor, eastwick = found.areas["Northmoor"], found.areas["Eastwick Vale"]
    police, housing = found.agencies["Northmoor Police"], found.agencies["Northmoor Housing"]
    make = CaseFactory(app)
    open_case = make.case(northmoor, agency_ids=[police])
    hidden_case = make.case(
        northmoor, victim={"address": "1 Refuge Road", "postcode": "NM1 9ZZ", "is_address_confidential": True}
    )
    eastwick_case = make.case(eastwick)
    with app.app_context():
        chair = found.users["chair@example.org"]
        published = _meeting(
            northmoor, TODAY + timedelta(days=7), [open_case.id, hidden_case.id], publish=True, chair_id=chair
        )
        planned = _meeting(northmoor, TODAY + timedelta(days=21), [], publish=False)
        elsewhere = _meeting(eastwick, TODAY + timedelta(days=7), [eastwick_case.id], publish=True)
        coordinator = db.session.scalar(sa.select(User).filter_by(email="coordinator@example.org"))
        police_action = _action(open_case.id, police, published, coordinator)
        housing_action = _action(open_case.id, housing, published, coordinator)
        db.session.commit()
        return SimpleNamespace(
            ids=found,
            northmoor=northmoor,
            eastwick=eastwick,
            police=police,
            housing=housing,
            open_case=open_case,
            hidden_case=hidden_case,
            published=published,
            planned=planned,
            elsewhere=elsewhere,
            police_action=police_action,
            housing_action=housing_action,
        )


def _meeting(area_id, day, case_ids, *, publish, chair_id=None):
    area = db.session.get(Area, area_id)
    (meeting,) = meetings.schedule(
        area,
        first_day=day,
        start_time=time(10, 0),
        count=1,
        length_minutes=120,
        venue="Civic Centre",
        online_link=None,
        chair_id=chair_id,
        cut_off_days=7,
    )
    db.session.flush()
    for case_id in case_ids:
        agenda.add_by_hand(meeting, db.session.get(Case, case_id), AgendaSection.ADULTS, "Listed")
    db.session.flush()
    if publish:
        meetings.publish(meeting, meetings.title(meeting))
    db.session.commit()
    return meeting.id


def _action(case_id, agency_id, meeting_id, user):
    data = {
        "owner_agency_id": agency_id,
        "owner_person": None,
        "protects": "victim",
        "what": "Visit the victim at home and review the safety plan",
        "how_known": "Confirmed in writing to the MARAC coordinator",
        "due_on": TODAY + timedelta(days=14),
        "due_reason": None,
    }
    action = actions.create(
        db.session.get(Case, case_id), data, user, meeting=db.session.get(Meeting, meeting_id), item=None
    )
    db.session.flush()
    return action.id
