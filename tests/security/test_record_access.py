"""Role × record: a user who may use a page never gets there a record they may not see, by
changing the id in the address (IDOR). Every route that takes the record's id is tried, GET and
POST (with a valid token), and must answer 403 or 404 without a trace of the record."""

from tests.helpers import csrf_from, signed_in
from tests.security.estate import url_values
from tests.security.routes import methods_of, rules, urls_of

REFUSED = {403, 404}


def _routes_taking(app, argument):
    return [rule for rule in rules(app) if argument in rule.arguments and not rule.endpoint.startswith("api")]


def _leaks(app, user, estate, secret, **records):
    """Signed in as `user`, every route taking the first of `records` (the others fill the rest of
    its address), GET and POST: (endpoint, method, status) of any answer that is not a refusal or
    that shows `secret`."""
    client = signed_in(app, user.email)
    argument = next(iter(records))
    values = url_values(estate, **records)
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


def _opens(app, user, url):
    """The control: a user who may see the record gets the page."""
    return signed_in(app, user.email).get(url).status_code == 200


def test_a_coordinator_reaches_no_case_of_another_area(app, estate):
    users, cases = estate.users, estate.cases
    assert _leaks(app, users.coordinator, estate, estate.names[cases.away.id], case_id=cases.away.id) == []
    assert _opens(app, users.coordinator, f"/cases/{cases.police.id}")  # their own area's case


def test_an_idva_reaches_no_case_allocated_to_another_idva(app, estate):
    case = estate.cases.idva
    assert _leaks(app, estate.users.idva, estate, estate.names[case.id], case_id=case.id) == []
    assert _opens(app, estate.users.other_idva, f"/cases/{case.id}")


def test_an_agency_rep_reaches_no_case_their_agency_has_no_part_in(app, estate):
    case = estate.cases.police
    assert _leaks(app, estate.users.housing_rep, estate, estate.names[case.id], case_id=case.id) == []
    assert _opens(app, estate.users.police_rep, f"/cases/{case.id}")


def test_an_agency_rep_reaches_no_action_of_another_agency(app, estate):
    action = estate.actions.police
    assert _leaks(app, estate.users.housing_rep, estate, "panic alarm", action_id=action) == []
    assert _opens(app, estate.users.police_rep, f"/actions/{action}")


def test_a_coordinator_reaches_no_action_of_another_area(app, estate):
    assert _leaks(app, estate.users.coordinator, estate, "bail conditions", action_id=estate.actions.away) == []


def test_an_idva_reaches_no_action_of_another_agency(app, estate):
    assert _leaks(app, estate.users.idva, estate, "panic alarm", action_id=estate.actions.police) == []


def test_an_agency_rep_reaches_no_referral_of_another_agency(app, estate):
    referral = estate.referrals.police
    assert _leaks(app, estate.users.housing_rep, estate, "Officer Dibble", referral_id=referral) == []
    assert _opens(app, estate.users.police_rep, f"/referrals/{referral}")


def test_a_coordinator_reaches_no_referral_of_another_area(app, estate):
    referral = estate.referrals.away
    assert _leaks(app, estate.users.coordinator, estate, "Officer Krupke", referral_id=referral) == []


def test_an_agency_reaches_no_meeting_it_is_not_invited_to(app, estate):
    meeting, housing = estate.meetings.home, estate.agencies.housing.id
    name = estate.names[estate.cases.police.id]
    assert _leaks(app, estate.users.housing_rep, estate, name, meeting_id=meeting, agency_id=housing) == []
    assert _opens(app, estate.users.police_rep, f"/meetings/{meeting}")


def test_a_coordinator_reaches_no_meeting_of_another_area(app, estate):
    meeting, police = estate.meetings.away, estate.agencies.away_police.id
    name = estate.names[estate.cases.away.id]
    assert _leaks(app, estate.users.coordinator, estate, name, meeting_id=meeting, agency_id=police) == []


def test_a_chair_reaches_no_meeting_they_do_not_chair(app, estate):
    meeting, police = estate.meetings.away, estate.agencies.away_police.id
    name = estate.names[estate.cases.away.id]
    assert _leaks(app, estate.users.chair, estate, name, meeting_id=meeting, agency_id=police) == []


def test_another_agencys_actions_pdf_is_refused(app, estate):
    """The actions PDF takes an agency id too: a rep asks for another agency's list."""
    client = signed_in(app, estate.users.police_rep.email)
    response = client.get(f"/meetings/{estate.meetings.home}/actions/{estate.agencies.housing.id}.pdf")
    assert response.status_code in REFUSED


def test_steering_and_admin_see_no_case_data(app, estate):
    case = estate.cases.police
    for user in (estate.users.steering, estate.users.admin):
        assert _leaks(app, user, estate, estate.names[case.id], case_id=case.id) == []
