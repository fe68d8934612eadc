"""Referrals through the web: the four steps, repeats, what each user sees, triage, bad input."""

import csv
import io
import re
from datetime import date, timedelta

import pytest

from models import AuditEvent, Case, Notification, Referral, ReferralStatus, User, db
from models.clock import uk_today
from tests.factories.cases import dash_answers
from tests.helpers import counted_queries, csrf_from, sign_in

TODAY = uk_today()


def _date(prefix, day):
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


def referral_answers(
    *,
    on=TODAY,
    victim=("Tessa", "Quillfeather", date(1990, 4, 3)),
    perpetrator=("Rex", "Bramblecote", date(1988, 1, 9)),
    criteria=("visible_high_risk",),
    **extra,
):
    first, last, born = victim
    p_first, p_last, p_born = perpetrator
    answers = {
        "area_id": extra.pop("area_id", None),
        "referrer_name": "Pat Constable",
        "referrer_contact": "01632 960 001",
        "victim-first_name": first,
        "victim-last_name": last,
        "perpetrator-first_name": p_first,
        "perpetrator-last_name": p_last,
        "perpetrator-relationship_to_victim": "partner",
        "criteria": list(criteria),
        "is_victim_aware": "yes",
        "has_consent": "yes",
        **_date("referred_on", on),
        **_date("victim-date_of_birth", born),
        **_date("perpetrator-date_of_birth", p_born),
    }
    answers.update(extra)
    return {key: value for key, value in answers.items() if value is not None}


def _post(client, url, data):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(page)})


def start(client, **kwargs):
    response = _post(client, "/referrals/new", referral_answers(**kwargs))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(re.search(r"/referrals/(\d+)/match", response.headers["Location"]).group(1))


def choose(client, referral_id, victim="new", perpetrator="new"):
    return _post(client, f"/referrals/{referral_id}/match", {"victim_match": victim, "perpetrator_match": perpetrator})


def complete_dash(client, referral_id, yes=15, on=TODAY, **extra):
    data = {
        **dash_answers(yes),
        **_date("assessed_on", on),
        "assessor_name": "Pat Constable",
        "fears_detail": "Being killed",
        "complete": "Continue",
        "judged_level": "",
        **extra,
    }
    return _post(client, f"/referrals/{referral_id}/dash", data)


def send(client, referral_id):
    return _post(client, f"/referrals/{referral_id}/check", {"submit": "Send referral"})


def match_step(client, referral_id):
    """The match step as the browser meets it: with no one on record to choose it is not asked,
    and goes on to the DASH. Returns the response (200: the question is asked)."""
    response = client.get(f"/referrals/{referral_id}/match")
    if response.status_code == 302:
        assert response.headers["Location"] == f"/referrals/{referral_id}/dash"
    return response


def as_new_people(client, referral_id):
    """Past the match step with the victim and the perpetrator new: not asked when no one is on
    record to choose, else "none of these"."""
    if match_step(client, referral_id).status_code == 200:
        assert choose(client, referral_id).status_code == 302


def refer(client, *, victim_match="new", perpetrator_match="new", yes=15, **kwargs):
    referral_id = start(client, **kwargs)
    if match_step(client, referral_id).status_code == 200:
        assert choose(client, referral_id, victim_match, perpetrator_match).status_code == 302
    else:
        assert (victim_match, perpetrator_match) == ("new", "new")
    assert complete_dash(client, referral_id, yes=yes, on=kwargs.get("on", TODAY)).status_code == 302
    assert send(client, referral_id).status_code == 302
    return referral_id


def _ids_offered(html, role):
    return re.findall(rf'name="{role}_match" type="radio" value="(\d+)"', html)


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


def test_a_police_referral_with_15_yes_is_visible_high_risk_and_the_coordinator_is_told(app, police):
    referral_id = refer(police)
    html = police.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "Waiting for triage" in html
    assert "Visible high risk" in html and "score 15 of 24" in html
    with app.app_context():
        coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
        notes = db.session.query(Notification).filter_by(user_id=coordinator.id).all()
        assert [note.message for note in notes] == [f"New referral R{referral_id:06d} is waiting for triage"]
        assert "Tessa" not in notes[0].message


def test_the_same_victim_and_perpetrator_five_months_later_is_a_repeat(app, police):
    first = refer(police, on=TODAY - timedelta(days=150))
    second = start(police, victim=("Tessa", "Quilfeather", date(1990, 4, 3)))  # spelt differently
    match_page = police.get(f"/referrals/{second}/match").get_data(as_text=True)
    victims, perpetrators = _ids_offered(match_page, "victim"), _ids_offered(match_page, "perpetrator")
    assert len(victims) == 1 and len(perpetrators) == 1
    assert "Same date of birth" in match_page
    assert choose(police, second, victims[0], perpetrators[0]).status_code == 302
    assert complete_dash(police, second).status_code == 302
    assert send(police, second).status_code == 302
    html = police.get(f"/referrals/{second}").get_data(as_text=True)
    assert "This is a repeat MARAC case" in html and f"R{first:06d}" in html
    with app.app_context():
        one, two = db.session.get(Referral, first), db.session.get(Referral, second)
        assert two.is_repeat and two.repeat_of_id == first and "repeat" in two.criteria
        assert one.case_id == two.case_id


def test_a_different_perpetrator_makes_a_new_case_not_a_repeat(app, police):
    first = refer(police, on=TODAY - timedelta(days=30))
    second = start(police, perpetrator=("Sol", "Hatherleigh", date(1979, 5, 5)))
    victims = _ids_offered(police.get(f"/referrals/{second}/match").get_data(as_text=True), "victim")
    choose(police, second, victims[0], "new")
    complete_dash(police, second)
    send(police, second)
    with app.app_context():
        one, two = db.session.get(Referral, first), db.session.get(Referral, second)
        assert not two.is_repeat
        assert one.case_id != two.case_id
        assert db.session.get(Case, one.case_id).victim_id == db.session.get(Case, two.case_id).victim_id


def test_sending_twice_makes_one_referral(app, police):
    referral_id = start(police)
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    complete_dash(police, referral_id)
    page = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    token = csrf_from(page)
    first = police.post(f"/referrals/{referral_id}/check", data={"csrf_token": token})
    again = police.post(f"/referrals/{referral_id}/check", data={"csrf_token": token})
    assert first.status_code == again.status_code == 302
    with app.app_context():
        assert db.session.query(Referral).count() == 1
        assert db.session.query(Case).count() == 1


def test_visible_high_risk_needs_the_score(police):
    referral_id = start(police)
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    complete_dash(police, referral_id, yes=9)
    html = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    assert "Visible high risk needs a DASH score of at least 14. This DASH scores 9" in html
    assert "Send referral" not in html


def test_first_page_errors_keep_the_other_answers(police):
    answers = referral_answers(
        on=TODAY + timedelta(days=2),
        criteria=("professional_judgement", "potential_escalation"),
        incidents_in_window="2",
        has_consent="no",
    )
    html = _post(police, "/referrals/new", answers).get_data(as_text=True)
    for message in (
        "The date of referral must be today or in the past",
        "Enter the reasons for your professional judgement",
        "Potential escalation needs 3 or more incidents in 12 months",
        "Select the lawful basis for sharing without consent",
        "Enter why the information is being shared without consent",
    ):
        assert message in html
    assert 'value="Quillfeather"' in html and 'value="Bramblecote"' in html


def test_a_dash_dated_after_the_referral_is_refused(police):
    referral_id = start(police, on=TODAY - timedelta(days=10))
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    html = complete_dash(police, referral_id, on=TODAY).get_data(as_text=True)
    assert "The date of the DASH must be on or before the date of referral" in html


def test_a_victim_under_16_is_allowed_with_a_warning(police):
    born = TODAY.replace(year=TODAY.year - 15) - timedelta(days=2)
    referral_id = start(police, victim=("Tia", "Youngling", born))
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    complete_dash(police, referral_id)
    html = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    assert "The victim is 15" in html and "young people" in html
    assert "Send referral" in html


def test_the_perpetrator_cannot_be_the_victim(police):
    same = ("Sam", "Samewise", date(1980, 1, 1))
    referral_id = start(police, victim=same, perpetrator=same)
    html = choose(police, referral_id).get_data(as_text=True)
    assert "The victim and the perpetrator have the same name and date of birth" in html


def test_a_lost_session_mid_form_keeps_the_answers(app, police):
    from models import UserSession

    page = police.get("/referrals/new").get_data(as_text=True)
    with app.app_context():
        for row in db.session.query(UserSession).all():
            row.last_seen_at -= timedelta(hours=1)
        db.session.commit()
    response = police.post("/referrals/new", data={**referral_answers(), "csrf_token": csrf_from(page)})
    assert response.headers["Location"].startswith("/auth/login")
    assert sign_in(police, "police@example.org").headers["Location"] == "/auth/resume"
    resume = police.get("/auth/resume").get_data(as_text=True)
    assert 'value="Quillfeather"' in resume and 'action="/referrals/new"' in resume


def test_agency_reps_see_only_their_agencys_referrals(app, client, demo):
    sign_in(client, "police@example.org")
    police_referral = refer(client)
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    sign_in(client, "housing@example.org")
    assert client.get(f"/referrals/{police_referral}").status_code == 404
    assert f"R{police_referral:06d}" not in client.get("/referrals").get_data(as_text=True)
    housing_referral = refer(client, victim=("Hana", "Hollowmere", date(1992, 2, 2)))
    assert client.get(f"/referrals/{housing_referral}").status_code == 200


def test_coordinators_see_only_their_areas_referrals(app, client, make, demo):
    sign_in(client, "police@example.org")
    referral_id = refer(client)
    other = make.user("coordinator")  # a coordinator of another area
    coordinator = app.test_client()
    sign_in(coordinator, other.email)
    assert coordinator.get(f"/referrals/{referral_id}").status_code == 404
    ours = app.test_client()
    sign_in(ours, "coordinator@example.org")
    assert ours.get(f"/referrals/{referral_id}").status_code == 200


def _decide(client, referral_id, **data):
    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    return client.post(f"/referrals/{referral_id}/decision", data={**data, "csrf_token": csrf_from(page)})


def test_triage_more_information_then_accept_and_the_referrer_is_told(app, client, demo):
    sign_in(client, "police@example.org")
    referral_id = refer(client)
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    html = _decide(coordinator, referral_id, decision="more_information").get_data(as_text=True)
    assert "Enter what more information you need" in html
    assert (
        _decide(
            coordinator, referral_id, decision="more_information", reason="Is there a non-molestation order?"
        ).status_code
        == 302
    )
    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "More information requested" in page and "non-molestation order" in page
    client.post(
        f"/referrals/{referral_id}/reply", data={"reply": "Yes, granted last month", "csrf_token": csrf_from(page)}
    )
    assert _decide(coordinator, referral_id, decision="accept").status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == ReferralStatus.ACCEPTED
        police_user = db.session.query(User).filter_by(email="police@example.org").one()
        messages = [n.message for n in db.session.query(Notification).filter_by(user_id=police_user.id)]
    assert any("asked for more information" in m for m in messages)
    assert any("was accepted" in m for m in messages)


def test_the_coordinator_triaging_sees_who_is_referred_children_included(app, client, demo):
    sign_in(client, "police@example.org")
    referral_id = refer(
        client,
        **{
            "children-0-first_name": "Ottilie",
            "children-0-last_name": "Quillfeather",
            **_date("children-0-date_of_birth", date(2019, 5, 6)),
            "children-0-relationship_to_victim": "child",
            "children-0-relationship_to_perpetrator": "child",
        },
    )
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    html = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    people = html[html.index("Who is referred") : html.index("What was referred")]
    assert "Tessa Quillfeather" in people and "born 3 April 1990" in people
    assert "Rex Bramblecote" in people and "Partner" in people
    assert "Ottilie Quillfeather" in people and "born 6 May 2019" in people
    assert "Record decision" in html


def test_transfer_moves_the_case_and_its_actions_and_the_receiving_coordinator_sees_them(app, client, make, demo):
    sign_in(client, "police@example.org")
    referral_id = refer(client)
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    with app.app_context():
        from types import SimpleNamespace

        from marac.services import actions
        from models import Action, Area

        other_area = db.session.query(Area).filter_by(name="Eastwick Vale").one().id
        referral = db.session.get(Referral, referral_id)
        action_id = actions.create(
            referral.case,
            {
                "owner_agency_id": referral.referring_agency_id,
                "protects": "victim",
                "what": "Flag the address for an urgent response until the move",
                "how_known": "Flag seen on the system",
                "due_on": TODAY + timedelta(days=14),
            },
            SimpleNamespace(id=referral.referrer_id),
        ).id
        db.session.commit()
    _decide(coordinator, referral_id, decision="transfer", transfer_area_id=str(other_area), reason="Moved to refuge")
    with app.app_context():
        original = db.session.get(Referral, referral_id)
        moved = db.session.query(Referral).filter_by(transferred_from_id=referral_id).one()
        assert original.status == ReferralStatus.TRANSFERRED
        assert moved.area_id == other_area and moved.status == ReferralStatus.SUBMITTED
        assert db.session.get(Case, moved.case_id).area_id == other_area
        assert db.session.get(Action, action_id).area_id == other_area  # the action goes with its case
        moved_id = moved.id
    receiving = make.user("coordinator", area_ids=[other_area])
    browser = app.test_client()
    sign_in(browser, receiving.email)
    assert browser.get(f"/referrals/{moved_id}").status_code == 200
    assert "Flag the address for an urgent response until the move" in browser.get("/actions/").get_data(as_text=True)


def test_referral_list_query_budget(app, police):
    refer(police)
    police.get("/referrals")
    with counted_queries(app) as few:
        police.get("/referrals")
    for n in range(5):
        refer(police, victim=("Many", f"Victimson{n}", date(1990, 1, n + 1)))
    with counted_queries(app) as many:
        police.get("/referrals")
    # 12: with the user's areas (an agency's referrals are limited to them) and, in one query for
    # the page, which listed cases the user may see (whose victim the list may name).
    assert len(many) == len(few) <= 12, (len(few), len(many))


def _csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="marac-referrals-')
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_referrals_download_as_the_list_shows_them_to_each_agency(app, client, demo):
    sign_in(client, "police@example.org")
    police_referral = refer(client)
    with app.app_context():
        victim = db.session.get(Referral, police_referral).case.victim
        victim.first_name = "=cmd|' /C calc'!A0"  # typed long ago, or through another system
        db.session.commit()
    assert 'href="/referrals/referrals.csv"' in client.get("/referrals").get_data(as_text=True)
    rows = _csv(client.get("/referrals/referrals.csv"))
    assert rows[0] == ["Reference", "Victim", "Referred on", "From", "Area", "Status", "Repeat"]
    assert [row[0] for row in rows[1:]] == [f"R{police_referral:06d}"]
    assert rows[1][1].startswith("'=cmd|") and rows[1][2] == TODAY.isoformat() and rows[1][6] == "No"
    assert _csv(client.get("/referrals/referrals.csv?status=declined"))[1:] == []
    with app.app_context():
        police = db.session.query(User).filter_by(email="police@example.org").one()
        event = db.session.query(AuditEvent).filter_by(event="referrals.exported", user_id=police.id).all()
    assert [e.detail for e in event] == [{"count": 1, "status": None}, {"count": 0, "status": "declined"}]

    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    sign_in(client, "housing@example.org")
    assert _csv(client.get("/referrals/referrals.csv"))[1:] == []  # another agency's are not theirs
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    assert f"R{police_referral:06d}" in [row[0] for row in _csv(coordinator.get("/referrals/referrals.csv"))]


def test_a_draft_saved_with_an_impossible_number_of_incidents_says_so_and_is_not_sent(app, police):
    """The form bounds the number now; a draft saved before it did (1e26 incidents) is stopped at
    the check with a message, not a server error when the assessment is stored."""
    referral_id = start(police)
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    assert complete_dash(police, referral_id).status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        referral.draft = {**referral.draft, "incidents_in_window": 10**26}
        db.session.commit()
    page = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    assert "Change the number of incidents in the past 12 months to one from 0 to 1,000" in page
    assert send(police, referral_id).status_code < 500
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == ReferralStatus.DRAFT
