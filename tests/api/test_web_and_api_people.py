"""The API names no person the web page hides. For every user, every API answer that names people
(a referral, a meeting's case list, an action, the matches of a new referral) is compared with the
web page of the same record, read by the same user: each person the API names, the page shows.

The hardening tests' deployment (tests/security/estate.py), with one more referral: the police's,
whose case then moved to the other area (a transfer), so that its referrer no longer sees who it
is about."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marac.services import api_tokens, triage
from models import Action, ApiScope, Area, Meeting, Referral, ReferralStatus, User, db
from models.clock import uk_today
from tests.api.conftest import Api, referral_body
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in
from tests.security import estate as estate_module
from tests.views.test_referrals import start

TODAY = uk_today()
USERS = (
    "coordinator",
    "away_coordinator",
    "chair",
    "idva",
    "police_rep",
    "housing_rep",
    "force_rep",
    "away_force_rep",
    "county_idva",
    "everything",
)


@pytest.fixture
def estate(app, make):
    built = estate_module.build(app, make)
    home, away, police = built.areas.home, built.areas.away, built.agencies.police
    moved = CaseFactory(app).case(home.id, victim={"last_name": "Moonwhistle"}, agency_ids=[police.id])
    with app.app_context():
        referral = Referral(
            area_id=home.id,
            case_id=moved.id,
            status=ReferralStatus.SUBMITTED,
            referred_on=TODAY - timedelta(days=1),
            referring_agency_id=police.id,
            referrer_id=built.users.police_rep.id,
            referrer_name="Officer Dibble",
        )
        db.session.add(referral)
        db.session.flush()
        triage.decide(
            referral,
            "transfer",
            reason="Moved to a refuge",
            coordinator=db.session.get(User, built.users.coordinator.id),
            transfer_area=db.session.get(Area, away.id),
        )
        db.session.commit()
        built.moved_referral = referral.id
    return built


def _api(app, user):
    with app.app_context():
        _token, secret = api_tokens.issue(db.session.get(User, user.id), name="People", scopes=ApiScope.ALL, days=1)
        db.session.commit()
    return Api(app.test_client(), secret)


def people_named(answer):
    """Every "first last" the API answer names, wherever in it."""
    found = set()
    if isinstance(answer, dict):
        if answer.get("first_name") and answer.get("last_name"):
            found.add(f"{answer['first_name']} {answer['last_name']}")
        for value in answer.values():
            found |= people_named(value)
    elif isinstance(answer, list):
        for value in answer:
            found |= people_named(value)
    return found


def _all_ids(app, model):
    with app.app_context():
        return list(db.session.scalars(sa.select(model.id)))


def _not_shown(web, named, web_path):
    """Of the people named, those the web page does not show."""
    if not named:
        return set()
    page = web.get(web_path)
    shown = page.get_data(as_text=True) if page.status_code == 200 else ""
    return {name for name in named if f"<bdi>{name}</bdi>" not in shown}


@pytest.mark.parametrize("who", USERS)
def test_each_answer_of_the_api_names_only_people_its_web_page_shows(app, estate, who):
    """Each record by its id (every one in the database), and each item of each list, against the
    record's web page."""
    user = getattr(estate.users, who)
    api, web = _api(app, user), signed_in(app, user.email)
    hidden = {}
    for kind, model in (("referrals", Referral), ("meetings", Meeting), ("actions", Action)):
        for record_id in _all_ids(app, model):
            answer = api.get(f"/api/v1/{kind}/{record_id}")
            if answer.status_code == 200:
                hidden[f"{kind}/{record_id}"] = _not_shown(web, people_named(answer.get_json()), f"/{kind}/{record_id}")
        listed = api.get(f"/api/v1/{kind}")
        for item in listed.get_json()["items"] if listed.status_code == 200 else []:
            hidden[f"{kind} list: {item['id']}"] = _not_shown(web, people_named(item), f"/{kind}/{item['id']}")
    assert {answer: names for answer, names in hidden.items() if names} == {}


def test_the_referrer_of_a_case_that_moved_away_sees_no_one_in_it_either_way(app, estate):
    """The difference the test above found: the referral is still the police's, its case is not."""
    user = estate.users.police_rep
    answer = _api(app, user).get(f"/api/v1/referrals/{estate.moved_referral}").get_json()
    assert answer["victim"] is None and answer["perpetrators"] == [] and answer["children"] == []
    assert answer["case_reference"] is None
    page = signed_in(app, user.email).get(f"/referrals/{estate.moved_referral}").get_data(as_text=True)
    assert "Moonwhistle" not in page and "Who is referred" not in page
    assert "Moonwhistle" not in signed_in(app, user.email).get("/referrals").get_data(as_text=True)
    assert "Moonwhistle" not in str(_api(app, user).get("/api/v1/referrals").get_json())
    # The receiving area's coordinator sees who it is about, on both.
    coordinator = estate.users.away_coordinator
    with app.app_context():
        moved = db.session.scalar(sa.select(Referral.id).where(Referral.transferred_from_id == estate.moved_referral))
    assert "Moonwhistle" in signed_in(app, coordinator.email).get(f"/referrals/{moved}").get_data(as_text=True)


@pytest.mark.parametrize("who", ["police_rep", "force_rep", "away_force_rep", "coordinator", "idva"])
def test_a_new_referrals_matches_are_the_web_match_pages(app, estate, who):
    """Typed as a victim on record everywhere would find (every invented victim is a Vera born on the
    same day): the API's matches are the people the web's match step offers the same user (asked
    first: a draft records no one, a referral sent does)."""
    user = getattr(estate.users, who)
    victim = ("Vera", "Zanzibarova", date(1990, 3, 27))
    web = signed_in(app, user.email)
    page = web.get(f"/referrals/{start(web, victim=victim)}/match").get_data(as_text=True)
    offered = set(re.findall(r'<td class="govuk-table__cell"><bdi>([^<]+)</bdi>', page))
    made = _api(app, user).post("/api/v1/referrals", json=referral_body(user.area_ids[0], victim=victim))
    assert made.status_code == 201, made.get_json()
    assert people_named(made.get_json()["matches"]) == offered


def test_a_repeats_earlier_referral_is_detailed_only_to_whoever_may_open_it(app, estate):
    """The police's referral repeats one the housing service sent, which the police's representative
    may not open: both the web page and the API tell the representative only that it is a repeat;
    the area's coordinator (who triages it) is told which referral it repeats, on both."""
    home, housing = estate.areas.home, estate.agencies.housing
    with app.app_context():
        earlier = Referral(
            area_id=home.id,
            case_id=estate.cases.police.id,
            status=ReferralStatus.ACCEPTED,
            referred_on=TODAY - timedelta(days=90),
            referring_agency_id=housing.id,
            referrer_id=estate.users.housing_rep.id,
            referrer_name="Ms Keyholder",
        )
        db.session.add(earlier)
        db.session.flush()
        repeat = db.session.get(Referral, estate.referrals.police)
        repeat.is_repeat, repeat.repeat_of_id = True, earlier.id
        db.session.commit()
        earlier_reference = earlier.reference
    rep = estate.users.police_rep
    answer = _api(app, rep).get(f"/api/v1/referrals/{estate.referrals.police}").get_json()
    assert answer["is_repeat"] is True and answer["repeat_of"] is None
    listed = _api(app, rep).get("/api/v1/referrals").get_json()["items"]
    assert [item["repeat_of"] for item in listed if item["id"] == estate.referrals.police] == [None]
    page = signed_in(app, rep.email).get(f"/referrals/{estate.referrals.police}").get_data(as_text=True)
    assert "This is a repeat MARAC case" in page and earlier_reference not in page
    coordinator = estate.users.coordinator
    page = signed_in(app, coordinator.email).get(f"/referrals/{estate.referrals.police}").get_data(as_text=True)
    assert earlier_reference in page
