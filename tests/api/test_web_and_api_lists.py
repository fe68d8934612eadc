"""The API lists the same records as the web's lists, for every role, so the two cannot drift
apart. Where they differ on purpose, the difference is the one named in marac/services/access.py:

- referrals: the API has only those the user's agency sent (access.agency_referrals), so no
  drafts, and not the other agencies' referrals a coordinator triages;
- meetings: the API has only those whose case list is published to the user's agency
  (access.attended_meetings), not a coordinator's or chair's meetings before that;
- actions: the API has only the user's agency's (access.own_agency_actions), not the other
  agencies' actions a coordinator or chair follows up.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marac.services import api_tokens
from models import Action, ApiScope, Meeting, Referral, ReferralStatus, User, db
from models.clock import uk_today
from models.meetings import meeting_agencies
from tests.api.conftest import Api
from tests.helpers import sign_in
from tests.security import estate as estate_module

TODAY = uk_today()
USERS = ("coordinator", "police_rep", "housing_rep", "idva", "chair", "everything")


@pytest.fixture
def estate(app, make):
    """The hardening tests' deployment, with more of each record on both sides of each difference:
    referrals from other agencies and drafts, a meeting not published and one the police are not
    invited to, and actions of other agencies at the chair's meeting and of the chair's agency at no
    meeting of theirs."""
    from tests.factories.actions import ActionFactory

    built = estate_module.build(app, make)
    users, agencies, home = built.users, built.agencies, built.areas.home
    with app.app_context():
        for agency, referrer, status in (
            (agencies.housing, users.housing_rep, ReferralStatus.SUBMITTED),
            (agencies.housing, users.housing_rep, ReferralStatus.DRAFT),
            (agencies.police, users.police_rep, ReferralStatus.DRAFT),
            (agencies.police, users.coordinator, ReferralStatus.ACCEPTED),
            (agencies.idva_service, users.idva, ReferralStatus.MORE_INFORMATION),
        ):
            db.session.add(
                Referral(
                    area_id=home.id,
                    case_id=built.cases.police.id if status != ReferralStatus.DRAFT else None,
                    status=status,
                    referred_on=TODAY - timedelta(days=2),
                    referring_agency_id=agency.id,
                    referrer_id=referrer.id,
                    referrer_name="Officer Parity",
                    draft={"victim": {}, "perpetrator": {}, "children": [], "notes": {}},
                )
            )
        db.session.commit()
    factory = ActionFactory(app)
    factory.meeting(home.id, TODAY + timedelta(days=30), chair_id=users.chair.id)  # not published
    uninvited = factory.meeting(
        home.id, TODAY + timedelta(days=40), case_ids=[built.cases.police.id], chair_id=users.chair.id, publish=True
    )
    with app.app_context():
        db.session.execute(
            sa.delete(meeting_agencies).where(
                meeting_agencies.c.meeting_id == uninvited.id, meeting_agencies.c.agency_id == agencies.police.id
            )
        )
        db.session.commit()
    for agency in (agencies.housing, agencies.idva_service):
        factory.action(
            built.cases.police.id,
            agency.id,
            due_on=TODAY + timedelta(days=10),
            meeting_id=built.meetings.home,
            item_id=built.items[built.meetings.home],
        )
    # One agreed outside any meeting the chair chairs: the police chair does not follow it up.
    factory.action(built.cases.police.id, agencies.police.id, due_on=TODAY + timedelta(days=12))
    return built


def _web_ids(app, user, path, kind):
    client = app.test_client()
    sign_in(client, user.email)
    response = client.get(path)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, (user.email, path, response.status_code)
    return {int(found) for found in re.findall(rf'href="/{kind}/(\d+)"', response.get_data(as_text=True))}


def _api_ids(app, user, path):
    with app.app_context():
        _token, secret = api_tokens.issue(db.session.get(User, user.id), name="Parity", scopes=ApiScope.ALL, days=1)
        db.session.commit()
    response = Api(app.test_client(), secret).get(path)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, (user.email, path, response.status_code)
    assert not response.get_json()["has_next"]
    return {item["id"] for item in response.get_json()["items"]}


def _lists(app, user, kind):
    web = _web_ids(app, user, f"/{kind}/" if kind != "referrals" else "/referrals", kind)
    api = _api_ids(app, user, f"/api/v1/{kind}")
    assert (web is None) == (api is None), (user.email, kind, "refused on one side only")
    return web, api


def _kept(app, model, ids, condition):
    """Of these ids, those whose record meets the condition."""
    with app.app_context():
        return set(db.session.scalars(sa.select(model.id).where(model.id.in_(ids), condition)))


@pytest.mark.parametrize("who", USERS)
def test_the_api_lists_the_web_lists_referrals_sent_by_the_users_agency(app, estate, who):
    user = getattr(estate.users, who)
    web, api = _lists(app, user, "referrals")
    if web is None:
        assert who == "chair"
        return
    sent_by_agency = sa.and_(Referral.referring_agency_id == user.agency_id, Referral.status != ReferralStatus.DRAFT)
    assert web and api == _kept(app, Referral, web, sent_by_agency)


@pytest.mark.parametrize("who", USERS)
def test_the_api_lists_the_web_lists_meetings_published_to_the_users_agency(app, estate, who):
    user = getattr(estate.users, who)
    web, api = _lists(app, user, "meetings")
    invited = sa.exists().where(
        meeting_agencies.c.meeting_id == Meeting.id, meeting_agencies.c.agency_id == user.agency_id
    )
    assert web and api == _kept(app, Meeting, web, sa.and_(Meeting.status != "planned", invited))


@pytest.mark.parametrize("who", USERS)
def test_the_api_lists_the_web_lists_actions_of_the_users_agency(app, estate, who):
    user = getattr(estate.users, who)
    web, api = _lists(app, user, "actions")
    assert web and api == _kept(app, Action, web, Action.owner_agency_id == user.agency_id)


def test_the_differences_are_there_to_see(app, estate):
    """The lists above would pass with identical lists too: here each named difference shows."""
    users = estate.users
    web, api = _lists(app, users.coordinator, "referrals")
    assert api < web  # other agencies' referrals to triage
    web, api = _lists(app, users.police_rep, "referrals")
    assert api < web  # their own draft
    web, api = _lists(app, users.chair, "meetings")
    assert api < web  # not published yet, or the police not invited
    web, api = _lists(app, users.chair, "actions")
    assert api < web  # other agencies' actions at the meeting they chair
    web, api = _lists(app, users.housing_rep, "actions")
    assert api == web and api
