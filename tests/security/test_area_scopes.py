"""Agencies that serve two MARAC areas (a police force spans several; a county IDVA service too),
and users of them who work in one area: nothing of the other area reaches them, on any page,
paper or API endpoint. The other area's records of the same agency are the test: the agency alone
would let them through (tests/security/estate.py).

The matrix: meetings (list, page, case-list PDF, agency actions PDF, calendar), research (grid,
answer form), referrals (list, page), actions (list, page), and every API endpoint."""

import re
from unittest.mock import ANY

import pytest
import sqlalchemy as sa

from marac.services import api_tokens, caseload
from models import AgendaItem, ApiScope, Area, Meeting, Role, User, db
from models.clock import uk_today, utcnow
from tests.api.conftest import Api, referral_body
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, signed_in
from tests.security.test_record_access import REFUSED, _leaks, _opens

# What the other area's records of the force say: the victim's name, the referrer's, the action's.
TODAY = uk_today()
AWAY_SECRETS = ("Farthingale", "Sergeant Wexley", "Wexley Street", "Awayshire")


def _shows(body, secrets=AWAY_SECRETS):
    return [secret for secret in secrets if secret.encode() in body]


@pytest.mark.parametrize("who", ["force_rep", "county_idva"])
def test_no_meeting_of_the_other_area_its_papers_calendar_or_research(app, estate, who):
    """Every page taking the meeting's id: the page, the case-list PDF, each agency's actions PDF,
    the calendar, the research grid and answer form, meeting mode, the minutes."""
    users, meeting = estate.users, estate.meetings.away
    agency = estate.agencies.force if who == "force_rep" else estate.agencies.county_idvas
    user = getattr(users, who)
    assert _leaks(app, user, estate, "Farthingale", meeting_id=meeting, agency_id=agency.id) == []
    client = signed_in(app, user.email)
    for paper in (f"/meetings/{meeting}/case-list.pdf", f"/meetings/{meeting}/actions/{agency.id}.pdf"):
        assert client.get(paper).status_code in REFUSED, paper
    item = estate.items[meeting]
    assert client.get(f"/meetings/{meeting}/items/{item}/research").status_code in REFUSED
    # The controls: their own area's meeting, and their colleague of the other area.
    assert _opens(app, user, f"/meetings/{estate.meetings.home}")
    assert _opens(app, users.away_force_rep, f"/meetings/{meeting}")
    assert _opens(app, users.away_force_rep, f"/meetings/{meeting}/case-list.pdf")


def test_no_referral_of_the_other_area(app, estate):
    referral = estate.referrals.force_away
    assert _leaks(app, estate.users.force_rep, estate, "Sergeant Wexley", referral_id=referral) == []
    assert _opens(app, estate.users.away_force_rep, f"/referrals/{referral}")


def test_no_action_of_the_other_area(app, estate):
    action = estate.actions.force_away
    assert _leaks(app, estate.users.force_rep, estate, "Wexley Street", action_id=action) == []
    assert _opens(app, estate.users.away_force_rep, f"/actions/{action}")


def _listed(app, user, path, kind):
    body = signed_in(app, user.email).get(path)
    assert body.status_code == 200, (path, body.status_code)
    return {int(found) for found in re.findall(rf'href="/{kind}/(\d+)', body.get_data(as_text=True))}, body.data


@pytest.mark.parametrize("who", ["force_rep", "county_idva"])
def test_the_lists_hold_nothing_of_the_other_area(app, estate, who):
    user, colleague = getattr(estate.users, who), estate.users.away_force_rep
    meetings, body = _listed(app, user, "/meetings/", "meetings")
    assert estate.meetings.away not in meetings and estate.meetings.home in meetings
    assert _shows(body) == []
    assert estate.meetings.away in _listed(app, colleague, "/meetings/", "meetings")[0]
    for path, kind, away in (
        ("/referrals", "referrals", estate.referrals.force_away),
        ("/actions/", "actions", estate.actions.force_away),
    ):
        listed, body = _listed(app, user, path, kind)
        assert away not in listed and _shows(body) == [], path
        assert away in _listed(app, colleague, path, kind)[0], path
    assert _shows(signed_in(app, user.email).get("/").data) == []  # the home page's figures and links


def _api(app, user):
    with app.app_context():
        _token, secret = api_tokens.issue(db.session.get(User, user.id), name="Areas", scopes=ApiScope.ALL, days=1)
        db.session.commit()
    return Api(app.test_client(), secret)


def _api_requests(estate):
    """{endpoint: [(method, path, body)]}: each API endpoint asked for the other area's records."""
    meeting, referral, action = estate.meetings.away, estate.referrals.force_away, estate.actions.force_away
    return {
        "api.referral_create": [("POST", "/api/v1/referrals", referral_body(estate.areas.away.id))],
        "api.referral_list": [("GET", "/api/v1/referrals", None)],
        "api.referral_view": [("GET", f"/api/v1/referrals/{referral}", None)],
        "api.meeting_list": [("GET", "/api/v1/meetings", None)],
        "api.meeting_view": [("GET", f"/api/v1/meetings/{meeting}", None)],
        "api.action_list": [
            ("GET", "/api/v1/actions", None),
            ("GET", f"/api/v1/actions?meeting_id={meeting}", None),
        ],
        "api.action_view": [("GET", f"/api/v1/actions/{action}", None)],
        "api.action_status": [
            ("POST", f"/api/v1/actions/{action}/status", {"status": "in_progress", "version": 1, "note": "x"})
        ],
        "api.quarterly_stats": [("GET", "/api/v1/stats/quarterly", None)],
        "api.openapi_document": [("GET", "/api/v1/openapi.json", None)],
    }


@pytest.mark.parametrize("who", ["force_rep", "county_idva"])
def test_every_api_endpoint_answers_nothing_of_the_other_area(app, estate, who):
    asked = _api_requests(estate)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(asked) == endpoints, "an API endpoint this test does not ask"
    api = _api(app, getattr(estate.users, who))
    for endpoint, requests in asked.items():
        for method, path, body in requests:
            response = api.get(path) if method == "GET" else api.post(path, json=body)
            assert response.status_code < 500, (endpoint, path, response.status_code)
            assert _shows(response.data) == [], (endpoint, path)
    # The controls: their own area's meeting, and their colleague of the other area reading the
    # same records.
    assert [item["id"] for item in api.get("/api/v1/meetings").get_json()["items"]] == [estate.meetings.home]
    colleague = _api(app, estate.users.away_force_rep)
    for path in (
        f"/api/v1/meetings/{estate.meetings.away}",
        f"/api/v1/referrals/{estate.referrals.force_away}",
        f"/api/v1/actions/{estate.actions.force_away}",
    ):
        assert colleague.get(path).status_code == 200, path


# The chair's clauses: the meetings they chair in their areas, the cases still on those lists


def _move_user(app, user_id, area):
    with app.app_context():
        row = db.session.get(User, user_id)
        row.areas = [db.session.get(Area, area.id)]
        db.session.commit()


def test_a_chair_who_left_the_area_no_longer_sees_the_meetings_they_chaired_there(app, estate):
    home_meeting, police_case = estate.meetings.home, estate.cases.police.id
    chair = signed_in(app, estate.users.chair.email)
    assert chair.get(f"/meetings/{home_meeting}").status_code == 200
    assert chair.get(f"/cases/{police_case}").status_code == 200
    _move_user(app, estate.users.chair.id, estate.areas.away)
    for path in (f"/meetings/{home_meeting}", f"/cases/{police_case}", f"/actions/{estate.actions.police}"):
        assert signed_in(app, estate.users.chair.email).get(path).status_code in REFUSED, path


def test_a_chair_does_not_see_a_case_taken_off_the_list(app, estate):
    chair = signed_in(app, estate.users.chair.email)
    assert chair.get(f"/cases/{estate.cases.police.id}").status_code == 200
    with app.app_context():
        db.session.get(AgendaItem, estate.items[estate.meetings.home]).removed_at = utcnow()
        db.session.commit()
    assert chair.get(f"/cases/{estate.cases.police.id}").status_code in REFUSED


def test_meeting_mode_lists_only_the_case_actions_its_user_may_see(app, estate):
    """An action on the case agreed outside the chair's meeting (by the housing service) is not the
    chair's to see: meeting mode does not list it; the coordinator's does."""
    ActionFactory(app).action(
        estate.cases.police.id, estate.agencies.housing.id, due_on=TODAY, what="Change the locks at Hidden Row"
    )
    page = f"/meetings/{estate.meetings.home}/items/{estate.items[estate.meetings.home]}"
    chaired = signed_in(app, estate.users.chair.email).get(page)
    assert chaired.status_code == 200
    html = chaired.get_data(as_text=True)
    assert "Fit a panic alarm" in html and "Hidden Row" not in html
    assert "Hidden Row" in signed_in(app, estate.users.coordinator.email).get(page).get_data(as_text=True)


def test_only_chairs_of_the_meetings_area_are_offered_and_taken(app, estate, make):
    away_chair = make.user(Role.CHAIR, agency_id=estate.agencies.force.id, area_ids=[estate.areas.away.id])
    coordinator = signed_in(app, estate.users.coordinator.email)
    page = coordinator.get("/meetings/schedule").get_data(as_text=True)
    assert f'value="{estate.users.chair.id}"' in page and f'value="{away_chair.id}"' not in page
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Meeting.id)))
    answer = coordinator.post(
        "/meetings/schedule",
        data={
            "csrf_token": csrf_from(page),
            "form_token": re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1),
            "area_id": estate.areas.home.id,
            "chair_id": away_chair.id,
            "count": 1,
            "first_day-day": 1,
            "first_day-month": 1,
            "first_day-year": TODAY.year + 1,
            "start_time": "10:00",
            "length_minutes": 180,
            "cut_off_days": 7,
        },
    )
    assert answer.status_code in (200, 400)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == before


def test_the_previous_idva_is_looked_for_in_the_users_areas_only(app, estate, make):
    """The victim was supported by an IDVA in the other area: the home area's manager is not told who."""
    away_idva = make.user(Role.IDVA, agency_id=estate.agencies.county_idvas.id, area_ids=[estate.areas.away.id])
    CaseFactory(app).allocate(estate.cases.away.id, away_idva.id, ended=True)
    with app.app_context():
        victim = estate.victims[estate.cases.away.id]
        assert caseload.previous_idvas([victim], [estate.areas.away.id]) == {victim: (away_idva.id, ANY)}
        assert caseload.previous_idvas([victim], [estate.areas.home.id]) == {}
