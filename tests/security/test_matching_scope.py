"""Check who is already known: the referrer's match step offers only people of cases the referrer
may see, and says nothing of anyone else (no name, date of birth, reason or count); a confidential
address never feeds a reason or the ranking; the step is rate-limited per user. The coordinator at
triage sees the matches of the whole deployment and links the referral's people to the person on
record, and the repeat is found.

The deployment is the hardening tests' (tests/security/estate.py): every invented victim there is
a Vera born on 27 March 1990, so typing one finds the others too, wherever they may be seen."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marac import create_app
from marac.extensions import limiter
from marac.services import api_tokens, cases, people
from marac.templating import govuk_date
from models import (
    ApiScope,
    AuditEvent,
    Case,
    CasePerpetrator,
    Notification,
    Person,
    PersonMatchKey,
    Referral,
    ReferralStatus,
    User,
    db,
)
from models.clock import uk_today
from tests.api.conftest import Api, referral_body
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, sign_in, signed_in
from tests.views.test_referrals import choose, complete_dash, match_step, send, start

TODAY = uk_today()
VERA = date(1990, 3, 27)


def _candidates(html):
    """The people a match page offers, as shown: (name, born, reasons)."""
    rows = re.findall(
        r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell"><bdi>([^<]+)</bdi>.*?</td>\s*'
        r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">([^<]*)</td>',
        html,
        re.DOTALL,
    )
    return [(name, born.strip(), reasons.strip()) for name, born, reasons in rows]


def _match_page(client, **typed):
    """The match step as the referrer meets it: the question, or (with no one to choose) the DASH
    step it went on to, saying no one on record matches."""
    return client.get(f"/referrals/{start(client, **typed)}/match", follow_redirects=True).get_data(as_text=True)


def _offered_radios(html):
    return re.findall(r'name="(?:victim|perpetrator)_match" type="radio" value="(\d+)"', html)


def test_the_referrer_is_offered_no_one_from_a_case_they_cannot_see(app, estate):
    """Officers of the home area type the other area's victim exactly: of her, and of every other
    Vera born that day in a case they may not see, nothing shows, not even that someone was found.
    The police see their own case's Vera; the force's officer in the other area finds Farthingale."""
    farthingale = ("Vera", "Farthingale", VERA)
    may_see = {
        "force_rep": [],
        "housing_rep": [],
        "idva": [],
        "other_idva": ["Vera Quillfeather"],
        "police_rep": ["Vera Zanzibarova"],
        "away_force_rep": ["Vera Farthingale"],
    }
    for who, expected in may_see.items():
        page = _match_page(signed_in(app, getattr(estate.users, who).email), victim=farthingale)
        assert [name for name, _born, _why in _candidates(page)] == expected, who
        if not expected:
            assert "We found" not in page, who
            assert "No one on record matches the victim or the perpetrator" in page, who
            assert _offered_radios(page) == [], who


def test_the_api_offers_no_one_from_a_case_the_referrer_cannot_see(app, estate):
    with app.app_context():
        _token, secret = api_tokens.issue(
            db.session.get(User, estate.users.force_rep.id), name="Match", scopes=ApiScope.ALL, days=1
        )
        db.session.commit()
    body = referral_body(estate.areas.home.id, victim=("Vera", "Farthingale", VERA))
    made = Api(app.test_client(), secret).post("/api/v1/referrals", json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["matches"] == {"victim": [], "perpetrator": []}


@pytest.fixture
def hidden_address(app, estate):
    """A case the police are part of, in the home area, whose victim (no date of birth on record)
    lives at a confidential address; and her namesake with a date of birth, also confidential."""
    make = CaseFactory(app)
    police = estate.agencies.police.id
    undated = make.case(
        estate.areas.home.id,
        victim={
            "first_name": "Philippa",
            "last_name": "Hargreaves",
            "date_of_birth": None,
            "postcode": "HS9 4QT",
            "is_address_confidential": True,
        },
        agency_ids=[police],
    )
    dated = make.case(
        estate.areas.home.id,
        victim={
            "first_name": "Ottoline",
            "last_name": "Brackenbury",
            "date_of_birth": date(1984, 2, 3),
            "postcode": "HS9 4QT",
            "is_address_confidential": True,
        },
        agency_ids=[police],
    )
    return undated, dated


def _typed_at(client, first, last, born, postcode):
    extra = {"victim-postcode": postcode}
    if born is None:
        extra["victim-date_of_birth"] = ["", "", ""]
    return _candidates(_match_page(client, victim=(first, last, born or VERA), **extra))


@pytest.mark.parametrize("confidential", [True, False])
def test_a_confidential_address_gives_no_reason_and_moves_no_ranking(app, estate, hidden_address, confidential):
    """Typing the postcode of a confidential address, of its district, or of elsewhere shows the
    same page: the probe that found a hidden postcode in ten tries finds nothing. (With the address
    not confidential, the same postcode is a reason and lifts a near-miss onto the list.)"""
    if not confidential:
        with app.app_context():
            db.session.execute(sa.update(Person).values(is_address_confidential=False))
            for person in db.session.scalars(sa.select(Person)):
                from marac.services.people import refresh_match_keys

                refresh_match_keys(person)
            db.session.commit()
    client = signed_in(app, estate.users.police_rep.email)
    # A near-miss with no date of birth: only a postcode would lift her over the threshold.
    near = {pc: _typed_at(client, "Philipa", "Hargraves", None, pc) for pc in ("HS9 4QT", "HS9 4QX", "AB1 2CD")}
    # A sure match: shown whatever the postcode, with or without a postcode reason.
    sure = {pc: _typed_at(client, "Ottoline", "Brackenbury", date(1984, 2, 3), pc) for pc in ("HS9 4QT", "AB1 2CD")}
    if confidential:
        assert near == {"HS9 4QT": [], "HS9 4QX": [], "AB1 2CD": []}
        assert sure["HS9 4QT"] == sure["AB1 2CD"] and len(sure["HS9 4QT"]) == 1
        assert "postcode" not in sure["HS9 4QT"][0][2]
    else:
        assert near["AB1 2CD"] == [] and near["HS9 4QT"] and "Same postcode" in near["HS9 4QT"][0][2]
        assert "Same postcode" in sure["HS9 4QT"][0][2]


def test_no_match_key_holds_a_confidential_postcode(app, estate, hidden_address):
    with app.app_context():
        keys = db.session.scalars(
            sa.select(PersonMatchKey.key)
            .join(Person, Person.id == PersonMatchKey.person_id)
            .where(Person.is_address_confidential)
        ).all()
    assert keys and not [key for key in keys if key.startswith("pc:")]


def test_the_match_step_is_rate_limited_per_user_on_the_web_and_the_api(app, database_url, estate):
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True)
    limited.config["MATCH_RATE_LIMIT"] = "3 per minute"
    limited.config["LOGIN_RATE_LIMIT"] = "100 per minute"
    try:
        officer = limited.test_client()
        sign_in(officer, estate.users.police_rep.email)
        referral_id = start(officer)
        statuses = [officer.get(f"/referrals/{referral_id}/match").status_code for _ in range(3)]
        refused = officer.get(f"/referrals/{referral_id}/match")
        # No one on record to choose: each time the step looks, then goes on (302), and counts.
        assert statuses == [302, 302, 302] and refused.status_code == 429
        assert "Too many requests" in refused.get_data(as_text=True)
        # Another user at the same address is not held up by the first.
        colleague = limited.test_client()
        sign_in(colleague, estate.users.force_rep.email)
        assert colleague.get(f"/referrals/{start(colleague)}/match").status_code == 302
        # The API's referral runs the same step: it counts against the same user.
        with limited.app_context():
            _token, secret = api_tokens.issue(
                db.session.get(User, estate.users.police_rep.id), name="Match", scopes=ApiScope.ALL, days=1
            )
            db.session.commit()
        answer = Api(limited.test_client(), secret).post("/api/v1/referrals", json=referral_body(estate.areas.home.id))
        assert answer.status_code == 429 and answer.mimetype == "application/problem+json"
    finally:
        with limited.app_context():
            limiter.reset()


# The coordinator at triage


def _referred_away(app, estate, *, days_ago):
    """(case, referral id): the other area's referral of Ingrid with Gideon, `days_ago` days ago."""
    away = CaseFactory(app).case(
        estate.areas.away.id,
        victim={"first_name": "Ingrid", "last_name": "Oakenshield", "date_of_birth": date(1985, 6, 1)},
        perpetrator={"first_name": "Gideon", "last_name": "Marlow", "date_of_birth": date(1980, 1, 1)},
        agency_ids=[estate.agencies.away_police.id],
    )
    with app.app_context():
        referral = Referral(
            area_id=estate.areas.away.id,
            case_id=away.id,
            status=ReferralStatus.ACCEPTED,
            referred_on=TODAY - timedelta(days=days_ago),
            referring_agency_id=estate.agencies.away_police.id,
            referrer_id=estate.users.away_coordinator.id,
            referrer_name="Officer Krupke",
        )
        db.session.add(referral)
        db.session.commit()
        return away, referral.id


@pytest.fixture
def moved_victim(app, estate):
    """Ingrid was referred in the other area two months ago, with Gideon. She moved: the home
    area's police refer her again, with him; they cannot see the other area, so new people are
    recorded."""
    away, earlier_id = _referred_away(app, estate, days_ago=60)
    police = signed_in(app, estate.users.police_rep.email)
    typed = {
        "victim": ("Ingrid", "Oakenshield", date(1985, 6, 1)),
        "perpetrator": ("Gideon", "Marlow", date(1980, 1, 1)),
    }
    referral_id = start(police, **typed)
    assert _offered_radios(police.get(f"/referrals/{referral_id}/match").get_data(as_text=True)) == []
    assert match_step(police, referral_id).status_code == 302  # no one on record: not asked
    assert complete_dash(police, referral_id).status_code == 302
    assert send(police, referral_id).status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert not referral.is_repeat
        new_case = db.session.get(Case, referral.case_id)
        new_victim, new_perpetrator = new_case.victim_id, new_case.perpetrators[0].person_id
    return {
        "referral": referral_id,
        "earlier": earlier_id,
        "away_case": away,
        "new_victim": new_victim,
        "new_perpetrator": new_perpetrator,
    }


def _link(client, referral_id, person_id, on_record_id):
    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    return client.post(
        f"/referrals/{referral_id}/link",
        data={"person_id": person_id, "on_record_id": on_record_id, "csrf_token": csrf_from(page)},
    )


def test_the_coordinator_sees_the_match_in_another_area_links_it_and_the_repeat_is_found(app, estate, moved_victim):
    coordinator = signed_in(app, estate.users.coordinator.email)  # the home area's only
    referral_id, away = moved_victim["referral"], moved_victim["away_case"]
    page = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    on_record = page[page.index("Already on record") :]
    assert "Ingrid Oakenshield" in on_record and "Gideon Marlow" in on_record and "Awayshire" in on_record
    assert "Same date of birth" in on_record

    assert _link(coordinator, referral_id, moved_victim["new_victim"], away.victim_id).status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert db.session.get(Person, moved_victim["new_victim"]) is None  # merged into the one on record
        assert db.session.get(Case, referral.case_id).victim_id == away.victim_id
        assert not referral.is_repeat  # the same victim, but not yet the same perpetrator

    assert _link(coordinator, referral_id, moved_victim["new_perpetrator"], away.perpetrator_id).status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.is_repeat and referral.repeat_of_id == moved_victim["earlier"] and "repeat" in referral.criteria
        perpetrators = db.session.scalars(
            sa.select(CasePerpetrator.person_id).where(CasePerpetrator.case_id == referral.case_id)
        ).all()
        assert perpetrators == [away.perpetrator_id]
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == "referral.person_linked")).all()
        assert len(events) == 2 and "Ingrid" not in str([event.detail for event in events])
        # The trail says the link crossed areas: the areas of the person's cases, both now.
        both = sorted([estate.areas.home.id, estate.areas.away.id])
        assert [event.detail["area_ids"] for event in events] == [both, both]
    page = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "This is a repeat MARAC case" in page and "in another area" in page
    assert "The victim has history in Awayshire" in page

    # The referrer is told it is a repeat, and nothing of the other area's referral.
    with app.app_context():
        earlier = db.session.get(Referral, moved_victim["earlier"])
        earlier_reference, earlier_day = earlier.reference, govuk_date(earlier.referred_on)
    page = signed_in(app, estate.users.police_rep.email).get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "This is a repeat MARAC case" in page
    assert earlier_reference not in page and earlier_day not in page and "another area" not in page
    assert "Awayshire" not in page


def test_linking_an_earlier_referrals_people_rechecks_the_pairs_later_referral(app, estate):
    """The other area referred Ingrid with Gideon ten days ago (no repeat: nothing before it). The
    home area's police refer them again, dated 100 days ago, as new people. Once the coordinator
    links both to those on record, the later referral repeats this one: it is flagged again,
    audited in the coordinator's name, and its area's coordinator is told."""
    away, later_id = _referred_away(app, estate, days_ago=10)
    police = signed_in(app, estate.users.police_rep.email)
    earlier_on = TODAY - timedelta(days=100)
    referral_id = start(
        police,
        on=earlier_on,
        past_referral_confirmed="y",
        victim=("Ingrid", "Oakenshield", date(1985, 6, 1)),
        perpetrator=("Gideon", "Marlow", date(1980, 1, 1)),
    )
    assert match_step(police, referral_id).status_code == 302
    assert complete_dash(police, referral_id, on=earlier_on).status_code == 302
    assert send(police, referral_id).status_code == 302
    with app.app_context():
        case = db.session.get(Case, db.session.get(Referral, referral_id).case_id)
        new_victim, new_perpetrator = case.victim_id, case.perpetrators[0].person_id
        assert not db.session.get(Referral, later_id).is_repeat

    coordinator = signed_in(app, estate.users.coordinator.email)
    assert _link(coordinator, referral_id, new_victim, away.victim_id).status_code == 302
    assert _link(coordinator, referral_id, new_perpetrator, away.perpetrator_id).status_code == 302
    with app.app_context():
        rechecked = db.session.get(Referral, later_id)
        assert (rechecked.is_repeat, rechecked.repeat_of_id) == (True, referral_id)
        assert "repeat" in rechecked.criteria
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == "referral.repeat_rechecked")).all()
        assert [(e.record_id, e.user_id, e.detail["because_of"]) for e in events] == [
            (later_id, estate.users.coordinator.id, referral_id)
        ]
        told = db.session.scalars(
            sa.select(Notification.message).where(Notification.user_id == estate.users.away_coordinator.id)
        ).all()
        assert f"Referral {rechecked.reference} is now a repeat" in " ".join(told)
        assert "linked to the same people at triage" in " ".join(told)


def test_a_link_is_refused_to_anyone_but_the_areas_coordinator_and_to_people_not_matched(app, estate, moved_victim):
    referral_id, away = moved_victim["referral"], moved_victim["away_case"]
    for who in ("police_rep", "away_coordinator"):
        client = signed_in(app, getattr(estate.users, who).email)
        token = csrf_from(client.get("/referrals").get_data(as_text=True))
        answer = client.post(
            f"/referrals/{referral_id}/link",
            data={"person_id": moved_victim["new_victim"], "on_record_id": away.victim_id, "csrf_token": token},
        )
        assert answer.status_code in (403, 404), who
    coordinator = signed_in(app, estate.users.coordinator.email)
    # Someone who is not among the matches (the other area's police case's victim's perpetrator).
    with app.app_context():
        unrelated = db.session.scalar(
            sa.select(CasePerpetrator.person_id).where(CasePerpetrator.case_id == estate.cases.away.id)
        )
    assert _link(coordinator, referral_id, moved_victim["new_victim"], unrelated).status_code == 400
    with app.app_context():
        assert db.session.get(Person, moved_victim["new_victim"]) is not None
    # The referrer's page has no matches at all.
    referrers_page = signed_in(app, estate.users.police_rep.email).get(f"/referrals/{referral_id}")
    assert "Already on record" not in referrers_page.get_data(as_text=True)


def test_a_link_after_the_referral_was_decided_changes_nothing(app, estate, moved_victim):
    """Another coordinator decided the referral while this one looked at its matches: the link is
    refused under the referral's lock, whatever the page showed."""
    referral_id, away = moved_victim["referral"], moved_victim["away_case"]
    coordinator = signed_in(app, estate.users.coordinator.email)
    page = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Referral, referral_id).status = ReferralStatus.ACCEPTED
        db.session.commit()
    answer = coordinator.post(
        f"/referrals/{referral_id}/link",
        data={"person_id": moved_victim["new_victim"], "on_record_id": away.victim_id, "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == f"/referrals/{referral_id}"
    with app.app_context():
        assert db.session.get(Person, moved_victim["new_victim"]) is not None


def test_a_record_is_never_merged_with_itself(app, estate, moved_victim):
    with app.app_context():
        person = db.session.get(Person, moved_victim["new_victim"])
        with pytest.raises(people.CannotMerge):
            people.merge(person, into=person)
        db.session.rollback()
        assert db.session.get(Person, moved_victim["new_victim"]) is not None


def test_a_merge_moves_an_address_with_its_postcode_and_a_phone_with_whether_it_is_safe_to_call(app, estate):
    """The newer record's address comes with its postcode (never the old postcode left beside a new
    address), and whether it is safe to call goes with the number it is about."""
    with app.app_context():
        on_file = cases.new_person(
            {
                "first_name": "Ada",
                "last_name": "Merrow",
                "address": "1 Old Road",
                "postcode": "HS1 1AA",
                "phone": "01632 960 100",
                "is_safe_to_call": "unknown",
            }  # fmt: skip
        )
        newer = cases.new_person(
            {
                "first_name": "Ada",
                "last_name": "Merrow",
                "address": None,
                "postcode": "HS2 2BB",
                "phone": None,
                "is_safe_to_call": "no",
                "language": "Polish",
            }  # fmt: skip
        )
        db.session.flush()
        people.merge(newer, into=on_file)
        assert (on_file.address, on_file.postcode) == (None, "HS2 2BB")
        # No number came with "not safe to call": the number on file keeps its own (unknown) answer.
        assert (on_file.phone, on_file.is_safe_to_call) == ("01632 960 100", None)
        assert on_file.language == "Polish"
        db.session.rollback()


def test_a_draft_whose_chosen_person_was_merged_asks_to_choose_again(app, estate):
    """The police chose their case's victim at the match step; before they send, the coordinator
    merges that record into another at triage. Sending asks them to check again, not a server error."""
    police = signed_in(app, estate.users.police_rep.email)
    referral_id = start(police, victim=("Vera", "Zanzibarova", VERA))
    with app.app_context():
        victim_id = db.session.scalar(sa.select(Case.victim_id).where(Case.id == estate.cases.police.id))
    assert str(victim_id) in _offered_radios(police.get(f"/referrals/{referral_id}/match").get_data(as_text=True))
    assert choose(police, referral_id, victim=str(victim_id)).status_code == 302
    assert complete_dash(police, referral_id).status_code == 302
    with app.app_context():
        kept = cases.new_person({"first_name": "Vera", "last_name": "Zanzibarova", "date_of_birth": VERA})
        db.session.flush()
        people.merge(db.session.get(Person, victim_id), into=kept)
        db.session.commit()
    answer = send(police, referral_id)
    assert answer.status_code == 200
    assert "Check again whether the victim is already known" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == ReferralStatus.DRAFT


def test_people_the_referrer_may_not_see_do_not_crowd_out_those_they_may(app, estate):
    """More namesakes on record elsewhere than the match step reads (people.MATCH_CANDIDATE_LIMIT),
    all older records than the one the police may see: theirs is still offered."""
    born = date(1979, 9, 14)
    with app.app_context():
        db.session.execute(
            sa.insert(Person),
            [
                {"first_name": "Wilhelmina", "last_name": "Crowdwell", "date_of_birth": born}
                for _ in range(people.MATCH_CANDIDATE_LIMIT + 10)
            ],
        )
        ids = db.session.scalars(sa.select(Person.id).where(Person.last_name == "Crowdwell")).all()
        keys = people.details_of(db.session.get(Person, ids[0])).keys()
        db.session.execute(sa.insert(PersonMatchKey), [{"person_id": i, "key": key} for i in ids for key in keys])
        db.session.commit()
    CaseFactory(app).case(
        estate.areas.home.id,
        victim={"first_name": "Wilhelmina", "last_name": "Crowdwell", "date_of_birth": born},
        agency_ids=[estate.agencies.police.id],
    )
    police = signed_in(app, estate.users.police_rep.email)
    page = _match_page(police, victim=("Wilhelmina", "Crowdwell", born))
    assert [name for name, _born, _why in _candidates(page)] == ["Wilhelmina Crowdwell"]
