"""Referrals through the API: made in one request, matched, scored, flagged as repeats exactly as the
web form does; read back by the agency that sent them; retried safely; refused field by field."""

import re
import unicodedata
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditEvent, Case, IdempotencyKey, Referral, RiskAssessment, db
from models.clock import utcnow
from models.people import NAME_MAX
from tests.api.conftest import TODAY, ids, referral_body
from tests.helpers import csrf_from, sign_in
from tests.views.test_referrals import _ids_offered, choose, complete_dash, refer, send, start

PROBLEM = "application/problem+json"


@pytest.fixture
def police(api):
    return api("police@example.org")


@pytest.fixture
def northmoor(app, demo):
    return ids(app).areas["Northmoor"]


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _pointers(response):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    return {error["pointer"] or error["parameter"]: error["detail"] for error in response.get_json()["errors"]}


def test_a_referral_is_made_scored_and_sent_in_one_request(app, police, northmoor):
    response = police.post("/api/v1/referrals", json=referral_body(northmoor))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert response.headers["Location"] == f"/api/v1/referrals/{made['id']}"
    assert made["status"] == "submitted" and made["reference"] == f"R{made['id']:06d}"
    assert made["risk"]["score"] == 15 and made["risk"]["level"] == "high"
    assert [c["criterion"] for c in made["risk"]["criteria"]] == ["visible_high_risk"]
    assert made["is_repeat"] is False and made["repeat_of"] is None
    assert made["matches"] == {"victim": [], "perpetrator": []}
    assert made["victim"]["last_name"] == "Quillfeather"
    with app.app_context():
        referral = db.session.get(Referral, made["id"])
        assert referral.status == "submitted" and referral.case_id is not None
        event = db.session.scalar(sa.select(AuditEvent).filter_by(event="referral.submitted"))
        assert event.record_id == made["id"] and event.detail["via"] == "api"
        assert "Quillfeather" not in str(event.detail)


def test_names_sent_decomposed_are_kept_composed(app, police, northmoor):
    """As the web forms keep them (tests/security/test_unicode_names.py): "José" is one name."""

    def nfd(text):
        return unicodedata.normalize("NFD", text)

    body = referral_body(northmoor)
    body["referrer_name"] = nfd("Siobhán Ó Súilleabháin")
    body["victim"] |= {"first_name": nfd("José"), "last_name": nfd("Álvarez")}
    body["victim"]["aliases"] = [{"first_name": nfd("Zoë"), "last_name": nfd("Ağaoğlu")}]
    body["perpetrator"] |= {"first_name": nfd("Nguyễn Thị"), "last_name": nfd("Minh")}
    response = police.post("/api/v1/referrals", json=body)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        referral = db.session.get(Referral, response.get_json()["id"])
        assert referral.referrer_name == "Siobhán Ó Súilleabháin"
        case = db.session.get(Case, referral.case_id)
        victim, perpetrator = case.victim, case.perpetrators[0].person
        assert (victim.full_name, perpetrator.full_name) == ("José Álvarez", "Nguyễn Thị Minh")
        assert [alias.full_name for alias in victim.aliases] == ["Zoë Ağaoğlu"]


def test_a_name_is_measured_composed_as_the_web_form_measures_it(app, police, northmoor):
    """100 letters "é" is a name of the longest length whichever way it is sent: decomposed, 200
    code points, it is not refused as too long."""
    body = referral_body(northmoor)
    body["victim"]["last_name"] = unicodedata.normalize("NFD", "é" * NAME_MAX)
    response = police.post("/api/v1/referrals", json=body)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        referral = db.session.get(Referral, response.get_json()["id"])
        assert db.session.get(Case, referral.case_id).victim.last_name == "é" * NAME_MAX


def test_a_date_outside_the_years_the_web_takes_is_refused(police, northmoor):
    body = referral_body(northmoor)
    body["referred_on"], body["dash"]["assessed_on"] = "0001-01-01", "1899-12-31"
    pointers = _pointers(police.post("/api/v1/referrals", json=body))
    assert pointers["#/referred_on"] == pointers["#/dash/assessed_on"] == "The year must be from 1900 to 2100"


def _triage_row(html, reference):
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>", html, re.DOTALL)
    assert row, f"{reference} is not in the triage list"
    return row.group(0)


def test_an_api_referral_reaches_triage_with_the_same_repeat_and_risk_results_as_the_form(app, client, api, demo):
    """Two victims, each referred five months ago through the form. The second referral of one
    comes through the form, of the other through the API: the same results, side by side."""
    area = ids(app).areas["Northmoor"]
    sign_in(client, "police@example.org")
    earlier = TODAY - timedelta(days=150)
    form_victim, api_victim = ("Tessa", "Quillfeather", date(1990, 4, 3)), ("Orla", "Penhallow", date(1987, 8, 19))
    form_first = refer(client, on=earlier, victim=form_victim)
    api_first = refer(client, on=earlier, victim=api_victim, perpetrator=("Ned", "Garside", date(1985, 2, 2)))

    # The form: the referrer picks the matched people.
    second = start(client, victim=form_victim)
    match_page = client.get(f"/referrals/{second}/match").get_data(as_text=True)
    choose(client, second, _ids_offered(match_page, "victim")[0], _ids_offered(match_page, "perpetrator")[0])
    complete_dash(client, second)
    send(client, second)

    # The API: the partner system names the people already known (as an earlier answer's matches).
    police = api("police@example.org")
    body = referral_body(area, victim=api_victim, perpetrator=("Ned", "Garside", date(1985, 2, 2)))
    with app.app_context():
        first = db.session.get(Referral, api_first)
        victim_id, perpetrator_id = first.case.victim_id, first.case.perpetrators[0].person_id
    body["victim"]["person_id"], body["perpetrator"]["person_id"] = victim_id, perpetrator_id
    made = police.post("/api/v1/referrals", json=body)
    assert made.status_code == 201, made.get_json()
    made = made.get_json()
    assert [m["person_id"] for m in made["matches"]["victim"]] == [victim_id]
    assert [m["person_id"] for m in made["matches"]["perpetrator"]] == [perpetrator_id]

    with app.app_context():
        by_form, by_api = db.session.get(Referral, second), db.session.get(Referral, made["id"])
        assert by_form.is_repeat and by_api.is_repeat
        assert (by_form.repeat_of_id, by_api.repeat_of_id) == (form_first, api_first)
        assert by_form.criteria == by_api.criteria == ["visible_high_risk", "repeat"]
        assert by_api.case_id == db.session.get(Referral, api_first).case_id
        risk_form = db.session.get(RiskAssessment, by_form.risk_assessment_id)
        risk_api = db.session.get(RiskAssessment, by_api.risk_assessment_id)
        assert (risk_form.score, risk_form.level, risk_form.criteria) == (
            risk_api.score,
            risk_api.level,
            risk_api.criteria,
        )
        assert made["risk"]["score"] == risk_api.score and made["is_repeat"] is True
        assert made["repeat_of"]["reference"] == f"R{api_first:06d}"

    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    triage = coordinator.get("/referrals?status=submitted").get_data(as_text=True)
    form_row, api_row = _triage_row(triage, f"R{second:06d}"), _triage_row(triage, f"R{made['id']:06d}")
    for row in (form_row, api_row):
        assert "Waiting for triage" in row and "Repeat" in row and "Northmoor Police" in row
    pages = [coordinator.get(f"/referrals/{rid}").get_data(as_text=True) for rid in (second, made["id"])]
    for html in pages:
        assert "This is a repeat MARAC case" in html and "score 15 of 24" in html


def test_people_not_among_the_matches_are_refused(app, police, northmoor):
    body = referral_body(northmoor)
    body["victim"]["person_id"] = 1
    pointers = _pointers(police.post("/api/v1/referrals", json=body))
    assert "#/victim/person_id" in pointers
    assert _count(app, Referral) == 0


def test_possible_matches_are_offered_even_for_new_people(app, police, northmoor):
    assert (
        police.post(
            "/api/v1/referrals",
            json=referral_body(northmoor, on=TODAY - timedelta(days=400), past_referral_confirmed=True),
        ).status_code
        == 201
    )
    spelt = referral_body(northmoor, victim=("Tessa", "Quilfeather", date(1990, 4, 3)))
    made = police.post("/api/v1/referrals", json=spelt).get_json()
    assert len(made["matches"]["victim"]) == 1 and made["matches"]["victim"][0]["reasons"]
    assert made["is_repeat"] is False  # new people were recorded: no link, no repeat
    assert made["victim"]["person_id"] != made["matches"]["victim"][0]["person_id"]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda b: b["victim"].pop("last_name"), "#/victim/last_name"),
        (lambda b: b["victim"].update(last_name="   "), "#/victim/last_name"),
        (lambda b: b["victim"].update(date_of_birth=(TODAY + timedelta(days=2)).isoformat()), "#/victim/date_of_birth"),
        (lambda b: b["victim"].update(date_of_birth="1890-01-01"), "#/victim/date_of_birth"),
        (lambda b: b["victim"].update(postcode="NOT A POSTCODE"), "#/victim/postcode"),
        (lambda b: b["victim"].update(first_name="Tes\x00sa"), "#/victim/first_name"),
        (lambda b: b["dash"]["answers"].pop("7"), "#/dash/answers/7"),
        (lambda b: b["dash"]["answers"]["3"].update(answer="maybe"), "#/dash/answers/3/answer"),
        (lambda b: b["dash"].update(fears_detail=None), "#/dash/fears_detail"),
        (lambda b: b["dash"].update(assessed_on=(TODAY + timedelta(days=1)).isoformat()), "#/dash/assessed_on"),
        (lambda b: b.update(referred_on=(TODAY - timedelta(days=3)).isoformat()), "#/dash/assessed_on"),
        (lambda b: b.update(criteria=["professional_judgement"]), "#/judgement_reasons"),
        (lambda b: b.update(criteria=["potential_escalation"], incidents_in_window=1), "#/incidents_in_window"),
        (lambda b: b.update(has_consent=False), "#/lawful_basis"),
        (lambda b: b.update(criteria=[]), "#/criteria"),
        (lambda b: b.update(area_id=99999), "#/area_id"),
        (lambda b: b.update(referred_on=20240101), "#/referred_on"),
        # The dates that make sense (services/date_rules.py), as on the web.
        (lambda b: b.update(referred_on="2002-12-31", past_referral_confirmed=True), "#/referred_on"),
        (lambda b: b.update(referred_on=(TODAY - timedelta(days=400)).isoformat()), "#/referred_on"),
        (lambda b: b["dash"].update(assessed_on="1990-04-02"), "#/dash/assessed_on"),
        (lambda b: b.update(unexpected="field"), "#/unexpected"),
        (
            lambda b: b["perpetrator"].update(first_name="Tessa", last_name="Quillfeather", date_of_birth="1990-04-03"),
            "#/perpetrator",
        ),
    ],
)
def test_each_problem_is_named_field_by_field_and_nothing_is_made(app, police, northmoor, change, pointer):
    body = referral_body(northmoor)
    change(body)
    assert pointer in _pointers(police.post("/api/v1/referrals", json=body))
    assert _count(app, Referral) == 0


def test_visible_high_risk_needs_the_areas_score(app, police, northmoor):
    response = police.post("/api/v1/referrals", json=referral_body(northmoor, yes=9))
    assert "Visible high risk needs a DASH score of at least 14" in _pointers(response)["#"]
    judged = referral_body(
        northmoor, yes=9, criteria=["professional_judgement"], judgement_reasons="Escalating threats this week"
    )
    made = police.post("/api/v1/referrals", json=judged).get_json()
    assert made["risk"]["level"] == "high" and made["risk"]["score"] == 9


def test_a_body_that_is_not_json_is_refused_plainly(police, northmoor):
    assert police.post("/api/v1/referrals", data="victim=Tessa").status_code == 415
    broken = police.post("/api/v1/referrals", data="{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.mimetype == PROBLEM
    assert police.post("/api/v1/referrals", json=[1, 2]).status_code == 422


def test_a_retried_request_with_the_same_key_makes_one_referral(app, police, northmoor):
    body, key = referral_body(northmoor), {"Idempotency-Key": "3f1c2b7e-retry-1"}
    first = police.post("/api/v1/referrals", json=body, headers=key)
    again = police.post("/api/v1/referrals", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count(app, Referral) == 1

    other = police.post("/api/v1/referrals", json={**body, "referrer_name": "Someone Else"}, headers=key)
    assert other.status_code == 422 and other.get_json()["type"] == "urn:marac:problem:idempotency-key-reused"
    assert _count(app, Referral) == 1

    assert police.post("/api/v1/referrals", json=body, headers={"Idempotency-Key": "another"}).status_code == 201
    assert _count(app, Referral) == 2


def test_keys_belong_to_one_token_and_last_a_day(app, api, police, northmoor):
    body, key = referral_body(northmoor), {"Idempotency-Key": "same-key"}
    assert police.post("/api/v1/referrals", json=body, headers=key).status_code == 201
    someone_else = api("police@example.org")  # another token: its own keys
    assert "Idempotent-Replayed" not in someone_else.post("/api/v1/referrals", json=body, headers=key).headers
    assert _count(app, Referral) == 2
    with app.app_context():
        for row in db.session.scalars(sa.select(IdempotencyKey)):
            row.created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    late = police.post("/api/v1/referrals", json=body, headers=key)
    assert late.status_code == 201 and "Idempotent-Replayed" not in late.headers
    assert _count(app, Referral) == 3


def test_a_failed_request_keeps_no_key(app, police, northmoor):
    key = {"Idempotency-Key": "first-try-failed"}
    assert police.post("/api/v1/referrals", json=referral_body(northmoor, yes=3), headers=key).status_code == 422
    assert police.post("/api/v1/referrals", json=referral_body(northmoor), headers=key).status_code == 201
    assert (
        police.post(
            "/api/v1/referrals", json=referral_body(northmoor), headers={"Idempotency-Key": "bad key!"}
        ).status_code
        == 422
    )


def test_agencies_read_only_the_referrals_they_sent(app, api, police, northmoor):
    mine = police.post("/api/v1/referrals", json=referral_body(northmoor)).get_json()
    housing = api("housing@example.org")
    theirs = housing.post("/api/v1/referrals", json=referral_body(northmoor, victim=("Ada", "Marsh", date(1979, 1, 1))))
    theirs = theirs.get_json()

    listed = police.get("/api/v1/referrals").get_json()
    assert [row["id"] for row in listed["items"]] == [mine["id"]] and listed["has_next"] is False
    assert police.get(f"/api/v1/referrals/{mine['id']}").get_json()["risk"]["level"] == "high"
    assert police.get(f"/api/v1/referrals/{theirs['id']}").status_code == 404
    assert housing.get(f"/api/v1/referrals/{mine['id']}").status_code == 404
    assert police.get("/api/v1/referrals?status=accepted").get_json()["items"] == []
    bad = police.get("/api/v1/referrals?status=draft&page=0")
    assert set(_pointers(bad)) == {"status", "page"}


def test_a_coordinators_decision_reads_back(app, client, police, northmoor):
    made = police.post("/api/v1/referrals", json=referral_body(northmoor)).get_json()
    sign_in(client, "coordinator@example.org")
    page = client.get(f"/referrals/{made['id']}").get_data(as_text=True)
    client.post(
        f"/referrals/{made['id']}/decision",
        data={"decision": "more_information", "reason": "Which school?", "csrf_token": csrf_from(page)},
    )
    read = police.get(f"/api/v1/referrals/{made['id']}").get_json()
    assert read["status"] == "more_information" and read["message"] == "Which school?"


def test_dates_and_claimed_repeats_follow_the_web_forms_rules(app, police, northmoor):
    """The same date rules as the web (services/date_rules.py), and a claimed repeat kept."""
    long_ago = TODAY - timedelta(days=400)
    refused = police.post("/api/v1/referrals", json=referral_body(northmoor, on=long_ago))
    assert refused.status_code == 422
    (error,) = refused.get_json()["errors"]
    assert error["pointer"] == "#/referred_on" and "confirm you are recording a past referral" in error["detail"]
    made = police.post(
        "/api/v1/referrals",
        json=referral_body(
            northmoor, on=long_ago, past_referral_confirmed=True, criteria=["visible_high_risk", "repeat"]
        ),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["is_repeat"] is False and made.get_json()["repeat_claim"] == "claimed"


def test_json_nested_too_deep_is_refused_not_an_error(police):
    response = police.post("/api/v1/referrals", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert response.status_code in (400, 422), response.status_code
