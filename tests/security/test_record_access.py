"""Role × record: a user who may use a page never gets there a record they may not see, by
changing the id in the address (IDOR). Every route that takes the record's id is tried, GET and
POST (with a valid token), and must answer 403 or 404 without a trace of the record."""

import pytest

from tests.conftest import csrf_from, sign_in
from tests.security import estate as estate_module
from tests.security.routes import methods_of, rules, urls_of

REFUSED = {403, 404}


@pytest.fixture
def estate(app, make):
    return estate_module.build(app, make)


def _client(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _routes_taking(app, argument):
    return [rule for rule in rules(app) if argument in rule.arguments and not rule.endpoint.startswith("api")]


def _try_everything(app, client, argument, values, secret):
    """Every route taking `argument`, with these values: (endpoint, method, status) of any answer
    that is not a refusal or that shows `secret`."""
    token = csrf_from(client.get("/auth/password").get_data(as_text=True))
    leaks = []
    tried = 0
    for rule in _routes_taking(app, argument):
        for url, method in ((url, method) for url in urls_of(rule, **values) for method in methods_of(rule)):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = response.get_data()
            tried += 1
            if response.status_code not in REFUSED or secret.encode() in body:
                leaks.append((rule.endpoint, method, response.status_code))
    assert tried, f"no routes take {argument}"
    return leaks


def test_a_coordinator_reaches_no_case_of_another_area(app, estate):
    client = _client(app, estate.users.coordinator)
    case = estate.cases.away
    values = estate_module.url_values(estate, case_id=case.id)
    assert _try_everything(app, client, "case_id", values, estate.names[case.id]) == []
    # The control: their own area's case opens.
    assert client.get(f"/cases/{estate.cases.police.id}").status_code == 200


def test_an_idva_reaches_no_case_allocated_to_another_idva(app, estate):
    client = _client(app, estate.users.idva)
    case = estate.cases.idva
    values = estate_module.url_values(estate, case_id=case.id)
    assert _try_everything(app, client, "case_id", values, estate.names[case.id]) == []
    assert _client(app, estate.users.other_idva).get(f"/cases/{case.id}").status_code == 200


def test_an_agency_rep_reaches_no_case_their_agency_has_no_part_in(app, estate):
    client = _client(app, estate.users.housing_rep)
    case = estate.cases.police
    values = estate_module.url_values(estate, case_id=case.id)
    assert _try_everything(app, client, "case_id", values, estate.names[case.id]) == []
    assert _client(app, estate.users.police_rep).get(f"/cases/{case.id}").status_code == 200


def test_an_agency_rep_reaches_no_action_of_another_agency(app, estate):
    client = _client(app, estate.users.housing_rep)
    values = estate_module.url_values(estate, action_id=estate.actions.police)
    assert _try_everything(app, client, "action_id", values, "panic alarm") == []
    assert _client(app, estate.users.police_rep).get(f"/actions/{estate.actions.police}").status_code == 200


def test_a_coordinator_reaches_no_action_of_another_area(app, estate):
    client = _client(app, estate.users.coordinator)
    values = estate_module.url_values(estate, action_id=estate.actions.away)
    assert _try_everything(app, client, "action_id", values, "bail conditions") == []


def test_an_idva_reaches_no_action_of_another_agency(app, estate):
    client = _client(app, estate.users.idva)
    values = estate_module.url_values(estate, action_id=estate.actions.police)
    assert _try_everything(app, client, "action_id", values, "panic alarm") == []


def test_an_agency_rep_reaches_no_referral_of_another_agency(app, estate):
    client = _client(app, estate.users.housing_rep)
    values = estate_module.url_values(estate, referral_id=estate.referrals.police)
    assert _try_everything(app, client, "referral_id", values, "Officer Dibble") == []
    assert _client(app, estate.users.police_rep).get(f"/referrals/{estate.referrals.police}").status_code == 200


def test_a_coordinator_reaches_no_referral_of_another_area(app, estate):
    client = _client(app, estate.users.coordinator)
    values = estate_module.url_values(estate, referral_id=estate.referrals.away)
    assert _try_everything(app, client, "referral_id", values, "Officer Krupke") == []


def test_an_agency_reaches_no_meeting_it_is_not_invited_to(app, estate):
    client = _client(app, estate.users.housing_rep)
    values = estate_module.url_values(estate, meeting_id=estate.meetings.home, agency_id=estate.agencies.housing.id)
    assert _try_everything(app, client, "meeting_id", values, estate.names[estate.cases.police.id]) == []
    assert _client(app, estate.users.police_rep).get(f"/meetings/{estate.meetings.home}").status_code == 200


def test_a_coordinator_reaches_no_meeting_of_another_area(app, estate):
    client = _client(app, estate.users.coordinator)
    values = estate_module.url_values(estate, meeting_id=estate.meetings.away, agency_id=estate.agencies.away_police.id)
    assert _try_everything(app, client, "meeting_id", values, estate.names[estate.cases.away.id]) == []


def test_a_chair_reaches_no_meeting_they_do_not_chair(app, estate):
    client = _client(app, estate.users.chair)
    values = estate_module.url_values(estate, meeting_id=estate.meetings.away, agency_id=estate.agencies.away_police.id)
    assert _try_everything(app, client, "meeting_id", values, estate.names[estate.cases.away.id]) == []


def test_another_agencys_actions_pdf_is_refused(app, estate):
    """The actions PDF takes an agency id too: a rep asks for another agency's list."""
    client = _client(app, estate.users.police_rep)
    response = client.get(f"/meetings/{estate.meetings.home}/actions/{estate.agencies.housing.id}.pdf")
    assert response.status_code in REFUSED


def test_steering_and_admin_see_no_case_data(app, estate):
    for user in (estate.users.steering, estate.users.admin):
        client = _client(app, user)
        values = estate_module.url_values(estate, case_id=estate.cases.police.id)
        assert _try_everything(app, client, "case_id", values, estate.names[estate.cases.police.id]) == []
