"""Fixtures for the partner systems' API: tokens, a client that sends one, valid request bodies,
and a meeting with a published case list and actions for each agency."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import api_tokens
from models import Agency, Area, User, db
from models.clock import uk_today
from models.risk import QUESTIONS
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory

TODAY = uk_today()
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
    make, plan = CaseFactory(app), ActionFactory(app)
    open_case = make.case(northmoor, agency_ids=[police])
    hidden_case = make.case(
        northmoor, victim={"address": "1 Refuge Road", "postcode": "NM1 9ZZ", "is_address_confidential": True}
    )
    eastwick_case = make.case(eastwick)
    chair, coordinator = found.users["chair@example.org"], found.users["coordinator@example.org"]
    published = plan.meeting(
        northmoor, TODAY + timedelta(days=7), case_ids=[open_case.id, hidden_case.id], publish=True, chair_id=chair
    ).id
    planned = plan.meeting(northmoor, TODAY + timedelta(days=21)).id
    elsewhere = plan.meeting(eastwick, TODAY + timedelta(days=7), case_ids=[eastwick_case.id], publish=True).id
    due_on = TODAY + timedelta(days=14)
    police_action = plan.action(open_case.id, police, due_on=due_on, meeting_id=published, by=coordinator)
    housing_action = plan.action(open_case.id, housing, due_on=due_on, meeting_id=published, by=coordinator)
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
