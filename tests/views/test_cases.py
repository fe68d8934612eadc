"""Cases and the people in them: who may open a case, the audit of every view, creating a case
with bad input, confidential addresses, person search, and two people editing at once."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import search
from models import (
    AgencyKind,
    Allocation,
    AuditEvent,
    Case,
    CaseAgency,
    CasePerpetrator,
    Person,
    PersonMatchKey,
    Referral,
    ReferralStatus,
    Role,
    SavedSearch,
    db,
)
from models.clock import uk_today, utcnow
from tests.factories.cases import CaseFactory
from tests.helpers import counted_queries, csrf_from, post_form, signed_in
from tests.pages import date_boxes, error_summary, field_errors, field_values, version_field

RTL_OVERRIDE = "\u202e"


@pytest.fixture
def build(app):
    return CaseFactory(app)


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _events(app, event, **filters):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).filter_by(event=event, **filters).order_by(AuditEvent.id)).all()


@pytest.fixture
def world(app, make, build):
    """One case in one area, and a user of every kind who might try to open it.

    The police took part (they referred it) and so did the IDVA service; housing did not.
    """
    area, other_area = make.area(), make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id, other_area.id])
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id])
    idva_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id])
    other_idva_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id])
    case = build.case(area.id, agency_ids=[police.id, idva_service.id])
    assessment_id = build.completed_dashes(case.id, 1)[0]

    def user(*roles, agency=None, areas=(area,)):
        return make.user(*roles, agency_id=(agency or police).id, area_ids=[a.id for a in areas])

    users = {
        "coordinator": user(Role.COORDINATOR),
        "coordinator of another area": user(Role.COORDINATOR, areas=[other_area]),
        "agency rep of an involved agency": user(Role.AGENCY_REP),
        "agency rep of an involved agency in another area": user(Role.AGENCY_REP, areas=[other_area]),
        "agency rep of an uninvolved agency": user(Role.AGENCY_REP, agency=housing),
        "IDVA allocated": user(Role.IDVA, agency=idva_service),
        "IDVA not allocated, of an involved service": user(Role.IDVA, agency=idva_service),
        "IDVA whose allocation ended": user(Role.IDVA, agency=idva_service),
        "IDVA manager of an involved service": user(Role.IDVA_MANAGER, agency=idva_service),
        "IDVA manager of an uninvolved service": user(Role.IDVA_MANAGER, agency=other_idva_service),
        "chair": user(Role.CHAIR),
        "steering": user(Role.STEERING),
        "admin": user(Role.ADMIN),
    }
    build.allocate(case.id, users["IDVA allocated"].id)
    build.allocate(case.id, users["IDVA whose allocation ended"].id, ended=True)
    return SimpleNamespace(
        area=area,
        other_area=other_area,
        police=police,
        housing=housing,
        case=case,
        assessment_id=assessment_id,
        users=users,
    )


# Who may open the case: the rightful ones get 200; the rest 404 (the case "does not exist" for
# them) or 403 (their role has no case pages at all).
EXPECTED_STATUS = {
    "coordinator": 200,
    "coordinator of another area": 404,
    "agency rep of an involved agency": 200,
    "agency rep of an involved agency in another area": 404,
    "agency rep of an uninvolved agency": 404,
    "IDVA allocated": 200,
    "IDVA not allocated, of an involved service": 404,
    "IDVA whose allocation ended": 404,
    "IDVA manager of an involved service": 200,
    "IDVA manager of an uninvolved service": 404,
    "chair": 404,  # chairs see the cases of meetings they chair: there are none yet
    "steering": 403,
    "admin": 403,
}


def _case_pages(world):
    base = f"/cases/{world.case.id}"
    return [base, f"{base}/risk", f"{base}/risk/{world.assessment_id}", f"{base}/history", f"{base}/idva"]


@pytest.mark.parametrize("who", list(EXPECTED_STATUS))
def test_only_the_rightful_roles_can_open_a_case(app, world, who):
    person = world.users[who]
    browser = signed_in(app, person.email)
    expected = EXPECTED_STATUS[who]
    for path in _case_pages(world):
        response = browser.get(path)
        assert response.status_code == expected, (who, path, response.status_code)
        html = response.get_data(as_text=True)
        assert (world.case.victim_name in html) == (expected == 200), (who, path)

    views = _events(app, "case.viewed", user_id=person.id)
    if expected == 200:
        assert len(views) == len(_case_pages(world))
        assert {(v.record_type, v.record_id) for v in views} == {("case", world.case.id)}
    else:
        assert views == []  # a refused look is not recorded as a view of the case

    # The case list and search agree with the case pages.
    cases_page = browser.get("/cases")
    if expected == 403:
        assert cases_page.status_code == 403
    else:
        listed = f"/cases/{world.case.id}" in cases_page.get_data(as_text=True)
        assert listed == (expected == 200), who


def test_an_assessment_of_another_case_is_not_found_through_a_case_one_may_see(app, world, build):
    hidden = build.case(world.other_area.id)
    hidden_assessment = build.completed_dashes(hidden.id, 1)[0]
    browser = signed_in(app, world.users["coordinator"].email)
    assert browser.get(f"/cases/{world.case.id}/risk/{hidden_assessment}").status_code == 404
    assert browser.get(f"/cases/{world.case.id}/risk/new?corrects={hidden_assessment}").status_code == 404
    assert browser.get(f"/cases/{hidden.id}").status_code == 404


def test_every_case_page_writes_a_case_viewed_event(app, world):
    coordinator = world.users["coordinator"]
    browser = signed_in(app, coordinator.email)
    base = f"/cases/{world.case.id}"
    pages = [
        ("", "overview"),
        ("/risk", "risk"),
        (f"/risk/{world.assessment_id}", "risk"),
        ("/risk/new", "risk"),
        ("/risk/other", "risk"),
        ("/referrals", "referrals"),
        ("/history", "history"),
        ("/actions", "actions"),
        ("/idva", "idva"),
        ("/audit", "audit"),
        ("/safety", "edit"),
        (f"/people/{world.case.victim_id}", "edit"),
    ]
    for path, tab in pages:
        before = len(_events(app, "case.viewed", user_id=coordinator.id))
        assert browser.get(base + path).status_code == 200, path
        events = _events(app, "case.viewed", user_id=coordinator.id)
        assert len(events) == before + 1, path
        assert (events[-1].record_type, events[-1].record_id, events[-1].detail["tab"]) == (
            "case",
            world.case.id,
            tab,
        ), path
    # The coordinator can read the trail, and sees their own views in it.
    assert "case.viewed (risk)" in browser.get(f"{base}/audit").get_data(as_text=True)


# Creating a case


def _new_case_answers(area_id, **changes):
    answers = {
        "area_id": str(area_id),
        "victim-first_name": "Vera",
        "victim-last_name": "Quillfeather",
        "victim-aliases": "Vee Marchbank",
        "victim-date_of_birth": ["27", "3", "1990"],
        "victim-gender": "female",
        "victim-address": "12 Mill Lane\nTesttown",
        "victim-postcode": "ZZ1 2AB",
        "victim-phone": "07700 900982",
        "victim-is_safe_to_call": "no",
        "victim-language": "Polish",
        "perpetrator-first_name": "Percy",
        "perpetrator-last_name": "Gorsefield",
        "perpetrator-date_of_birth": ["1", "7", "1985"],
        "perpetrator-relationship_to_victim": "ex_partner",
        "notes-victim_fears": "Percy and his brother",
        "notes-not_safe_to_share_with": "His mother, who lives next door",
    }
    return {**answers, **changes}


def _stored_counts(app):
    return [_count(app, model) for model in (Case, Person, PersonMatchKey, CasePerpetrator, CaseAgency, Allocation)]


@pytest.mark.parametrize("creator_role", [Role.COORDINATOR, Role.IDVA])
def test_a_coordinator_or_idva_creates_a_case_and_can_open_it(app, make, creator_role):
    creator = make.user(creator_role)
    browser = signed_in(app, creator.email)
    response = post_form(browser, "/cases/new", _new_case_answers(creator.area_ids[0]), token_from="/cases/new")
    assert response.status_code == 302
    case_url = response.headers["Location"]
    html = browser.get(case_url).get_data(as_text=True)
    assert "<bdi>Vera Quillfeather</bdi>" in html
    assert "Case created." in html
    with app.app_context():
        case = db.session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
        assert case.victim.date_of_birth == date(1990, 3, 27)
        assert case.victim.postcode == "ZZ1 2AB" and case.victim.is_safe_to_call is False
        assert [a.full_name for a in case.victim.aliases] == ["Vee Marchbank"]
        assert case.perpetrators[0].person.full_name == "Percy Gorsefield"
        assert case.perpetrators[0].relationship_to_victim == "ex_partner"
        assert case.not_safe_to_share_with == "His mother, who lives next door"
    assert len(_events(app, "case.created", record_id=case.id)) == 1


def _years_ago(years, days=0):
    today = uk_today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


def _bad(field, value, message, why):
    """One wrong answer: `field` posted as `value`, and the message shown next to it."""
    return pytest.param({field: value}, field, message, id=why)


VICTIM_DOB = "victim-date_of_birth"
BAD_INPUT = [
    _bad(
        VICTIM_DOB,
        date_boxes(uk_today() + timedelta(days=1)),
        "Date of birth must be in the past",
        "date of birth tomorrow",
    ),
    _bad("perpetrator-date_of_birth", date_boxes(_years_ago(121)), "Date of birth must be after", "age over 120"),
    _bad(VICTIM_DOB, ["31", "6", "1990"], "Date of birth must be a real date", "31 June"),
    _bad(VICTIM_DOB, ["29", "2", "1990"], "Date of birth must be a real date", "29 February in a common year"),
    _bad(VICTIM_DOB, ["", "3", "1990"], "Date of birth must include a day", "no day"),
    _bad(VICTIM_DOB, ["27", "March", "1990"], "Date of birth must be a real date, like 27 3 2007", "month in words"),
    _bad("victim-first_name", "A" * 10_000, "First name must be 100 characters or fewer", "10,000-character name"),
    _bad("perpetrator-last_name", RTL_OVERRIDE * 3, "Enter the last name", "name of only right-to-left overrides"),
    _bad("victim-postcode", "ABC 123", "Enter a real postcode, like AB1 2CD", "postcode"),
    _bad(
        "perpetrator-relationship_to_victim",
        "",
        "Select the perpetrator's relationship to the victim",
        "no relationship",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_bad_input_is_named_next_to_its_field_and_nothing_is_stored(app, make, changes, field, message):
    creator = make.user(Role.IDVA)  # an IDVA's new case would also add an allocation
    browser = signed_in(app, creator.email)
    before = _stored_counts(app)
    answers = _new_case_answers(creator.area_ids[0], **changes)

    response = post_form(browser, "/cases/new", answers, token_from="/cases/new")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    errors = field_errors(html)
    assert set(errors) == {field}, errors
    assert errors[field].startswith(message), errors[field]
    assert any(item.endswith(errors[field]) for item in error_summary(html))
    # Every answer is still in the form as typed, the wrong one included.
    values = field_values(html)
    for name, value in answers.items():
        if name == "area_id" or (name == field and value in ("", RTL_OVERRIDE * 3)):
            continue
        assert values.get(name) == value, name
    assert _stored_counts(app) == before


def test_a_future_and_an_impossible_date_are_both_named_at_once(app, make):
    creator = make.user(Role.COORDINATOR)
    browser = signed_in(app, creator.email)
    answers = _new_case_answers(
        creator.area_ids[0],
        **{"victim-date_of_birth": ["31", "6", "1990"], "perpetrator-date_of_birth": ["1", "1", "2099"]},
    )
    html = post_form(browser, "/cases/new", answers, token_from="/cases/new").get_data(as_text=True)
    assert field_errors(html) == {
        "victim-date_of_birth": "Date of birth must be a real date",
        "perpetrator-date_of_birth": "Date of birth must be in the past",
    }
    assert error_summary(html) == [
        "Victim: Date of birth must be a real date",
        "Perpetrator: Date of birth must be in the past",
    ]


def test_a_date_of_birth_just_under_120_years_ago_is_accepted(app, make):
    creator = make.user(Role.COORDINATOR)
    browser = signed_in(app, creator.email)
    answers = _new_case_answers(creator.area_ids[0], **{"victim-date_of_birth": date_boxes(_years_ago(119))})
    assert post_form(browser, "/cases/new", answers, token_from="/cases/new").status_code == 302


def test_names_are_kept_and_shown_exactly_as_typed(app, make):
    """Markup in a name is text, and right-to-left characters stay inside <bdi>."""
    creator = make.user(Role.COORDINATOR)
    browser = signed_in(app, creator.email)
    script_name = "<script>alert(1)</script>"
    rtl_name = f"Ann{RTL_OVERRIDE}Smith"
    answers = _new_case_answers(
        creator.area_ids[0],
        **{"victim-first_name": script_name, "victim-last_name": rtl_name, "perpetrator-first_name": "O'Brien"},
    )
    response = post_form(browser, "/cases/new", answers, token_from="/cases/new")
    assert response.status_code == 302
    case_url = response.headers["Location"]
    with app.app_context():
        victim = db.session.scalars(sa.select(Case).order_by(Case.id.desc())).first().victim
        assert (victim.first_name, victim.last_name) == (script_name, rtl_name)
        victim_id = victim.id

    shown = f"<bdi>&lt;script&gt;alert(1)&lt;/script&gt; Ann{RTL_OVERRIDE}Smith</bdi>"
    pages = [case_url, f"{case_url}/risk", "/cases", f"{case_url}/people/{victim_id}"]
    for path in pages:
        html = browser.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html, path
        if path.endswith(f"/people/{victim_id}"):
            # In the edit form the name is the value of its box, escaped.
            values = field_values(html)
            assert (values["first_name"], values["last_name"]) == (script_name, rtl_name)
            assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
        else:
            assert shown in html, path
        # No right-to-left override anywhere but inside an isolating element or a form value.
        outside = html.replace(shown, "").replace(f'value="{rtl_name}"', "")
        assert RTL_OVERRIDE not in outside, path
    assert "<bdi>O&#39;Brien Gorsefield</bdi>" in browser.get(case_url).get_data(as_text=True)

    assert shown in _search(browser, "27/3/1990").get_data(as_text=True)


def test_a_case_cannot_be_created_in_an_area_the_user_is_not_in(app, make):
    creator = make.user(Role.COORDINATOR)
    elsewhere = make.area()
    browser = signed_in(app, creator.email)
    before = _stored_counts(app)
    response = post_form(browser, "/cases/new", _new_case_answers(elsewhere.id), token_from="/cases/new")
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True)) == {"area_id": "Select one of the options"}
    assert _stored_counts(app) == before


# Confidential addresses

SECRET_ADDRESS = "Refuge, 7 Hidden Row"
SECRET_POSTCODE = "ZZ9 9QQ"
NOT_SAFE = "Her sister-in-law Moira"


@pytest.fixture
def refuge_case(world, build):
    case = build.case(
        world.area.id,
        agency_ids=[world.police.id],
        victim={"address": SECRET_ADDRESS, "postcode": SECRET_POSTCODE, "is_address_confidential": True},
        not_safe_to_share_with=NOT_SAFE,
        victim_fears="Percy",
    )
    build.allocate(case.id, world.users["IDVA allocated"].id)
    return case


def _shows_secret(html):
    return SECRET_ADDRESS in html or SECRET_POSTCODE in html


@pytest.mark.parametrize("who", ["coordinator", "IDVA allocated"])
def test_a_confidential_address_is_shown_only_on_request_and_the_request_is_audited(app, world, refuge_case, who):
    person = world.users[who]
    browser = signed_in(app, person.email)
    case_url = f"/cases/{refuge_case.id}"

    html = browser.get(case_url).get_data(as_text=True)
    assert not _shows_secret(html)
    assert "Confidential address" in html  # the flag in the identity bar
    assert "Show address" in html
    assert NOT_SAFE in html  # the "not safe to share with" list is for these roles
    assert not _shows_secret(browser.get("/cases").get_data(as_text=True))
    assert _events(app, "person.address_revealed", user_id=person.id) == []

    # A link or a prefetch cannot show it: only the form's POST does.
    reveal_url = f"{case_url}/people/{refuge_case.victim_id}/address"
    assert browser.get(reveal_url).status_code == 405
    revealed = browser.post(reveal_url, data={"csrf_token": csrf_from(html)})
    assert revealed.status_code == 200
    assert SECRET_ADDRESS in revealed.get_data(as_text=True)
    assert SECRET_POSTCODE in revealed.get_data(as_text=True)
    events = _events(app, "person.address_revealed", user_id=person.id)
    assert [(e.record_type, e.record_id, e.detail["case_id"]) for e in events] == [
        ("person", refuge_case.victim_id, refuge_case.id)
    ]

    # It is not left showing: the next visit hides it again.
    assert not _shows_secret(browser.get(case_url).get_data(as_text=True))


def test_a_reveal_without_the_form_token_shows_nothing(app, world, refuge_case):
    person = world.users["coordinator"]
    browser = signed_in(app, person.email)
    browser.get(f"/cases/{refuge_case.id}")
    response = browser.post(f"/cases/{refuge_case.id}/people/{refuge_case.victim_id}/address", data={})
    assert not _shows_secret(response.get_data(as_text=True))
    assert _events(app, "person.address_revealed", user_id=person.id) == []


@pytest.mark.parametrize("who", ["agency rep of an involved agency", "chair"])
def test_a_confidential_address_never_reaches_agency_reps_or_chairs(app, world, refuge_case, who):
    person = world.users[who]
    browser = signed_in(app, person.email)
    case_url = f"/cases/{refuge_case.id}"
    pages = [
        case_url,
        f"{case_url}/risk",
        "/cases",
        f"{case_url}/people/{refuge_case.victim_id}",  # the edit form: they cannot edit anyway
        f"{case_url}/safety",
    ]
    for path in pages:
        response = browser.get(path)
        html = response.get_data(as_text=True)
        assert not _shows_secret(html), path
        assert NOT_SAFE not in html, path
        assert "Show address" not in html, path
    overview = browser.get(case_url)
    if who == "chair":
        assert overview.status_code == 404
    else:
        html = overview.get_data(as_text=True)
        assert overview.status_code == 200 and "Withheld" in html
        assert "Not safe to share with" not in html
        assert "Percy" in html  # who the victim fears is for every agency at the table
        assert browser.get(f"{case_url}/people/{refuge_case.victim_id}").status_code == 403

    token = csrf_from(browser.get("/").get_data(as_text=True))
    response = browser.post(f"{case_url}/people/{refuge_case.victim_id}/address", data={"csrf_token": token})
    assert response.status_code == 403
    assert not _shows_secret(response.get_data(as_text=True))
    assert _events(app, "person.address_revealed", user_id=person.id) == []

    assert not _shows_secret(_search(browser, refuge_case.victim_name).get_data(as_text=True))


def test_an_address_that_is_not_confidential_is_shown_to_every_viewer(app, world):
    browser = signed_in(app, world.users["agency rep of an involved agency"].email)
    html = browser.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert "Mill Lane, Testtown" in html and "Show address" not in html


# Search


@pytest.fixture
def search_world(world, build):
    """Two people called Vera Quillfeather: one in the world's area, one in a case elsewhere."""
    seen = build.case(
        world.area.id,
        agency_ids=[world.police.id],
        victim={
            "first_name": "Vera",
            "last_name": "Quillfeather",
            "date_of_birth": date(1991, 5, 14),
            "postcode": "QQ7 3XY",
            "aliases": [("Vee", "Marchbank")],
        },
        perpetrator={"first_name": "Dorian", "last_name": "Ashcombe", "date_of_birth": date(1988, 2, 2)},
    )
    unseen = build.case(
        world.other_area.id,
        victim={"first_name": "Vera", "last_name": "Quillfeather", "date_of_birth": date(1991, 5, 14)},
    )
    return SimpleNamespace(seen=seen, unseen=unseen)


def _search(browser, terms):
    """Search as the header's box does: a POST, then the results page it leads to."""
    token = csrf_from(browser.get("/").get_data(as_text=True))
    response = browser.post("/people/search", data={"terms": terms, "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return response


def _found(browser, terms):
    return _found_cases(_search(browser, terms).get_data(as_text=True))


def _found_cases(html):
    return {int(case_id) for case_id in re.findall(r'href="/cases/(\d+)"', html)}


def test_search_finds_people_by_part_of_a_name_a_misspelling_another_name_a_date_a_postcode(app, world, search_world):
    browser = signed_in(app, world.users["coordinator"].email)
    seen, unseen = search_world.seen.id, search_world.unseen.id

    html = _search(browser, "Vera Quillfeather").get_data(as_text=True)
    assert seen in _found_cases(html) and unseen not in _found_cases(html)
    assert "Victim" in html and "Same first name" in html and "Same surname" in html  # why it matched

    assert seen in _found(browser, "Quill")  # part of the surname
    assert "Surname begins with the name searched" in _search(browser, "quill").get_data(as_text=True)
    assert seen in _found(browser, "Quilfeather")  # misspelt, nothing else to go on
    assert seen in _found(browser, "Vera Quilfeathr")
    assert seen in _found(browser, "Quillfeather Vera")  # the names the wrong way round
    html = _search(browser, "Marchbank").get_data(as_text=True)  # another name she uses
    assert _found_cases(html) == {seen} and "Matches an alias" in html
    assert seen in _found(browser, "Vee Marchbank")
    assert _found(browser, "14/5/1991") == {seen}
    assert _found(browser, "14 May 1991") == {seen}
    assert _found(browser, "QQ7 3XY") == {seen} == _found(browser, "qq73xy")
    assert seen in _found(browser, "Quill 1991-05-14")
    html = _search(browser, "Dorian Ashcombe").get_data(as_text=True)
    assert _found_cases(html) == {seen} and "Perpetrator" in html

    html = _search(browser, "Nobody Atall").get_data(as_text=True)
    assert "Nothing matching was found in the cases and referrals you can see." in html


def test_search_finds_a_case_or_a_referral_by_its_reference(app, world, search_world):
    browser = signed_in(app, world.users["coordinator"].email)
    seen = search_world.seen
    html = _search(browser, f"C{seen.id:06d}").get_data(as_text=True)
    assert _found_cases(html) == {seen.id} and "Case reference" in html
    assert _found(browser, f"c{seen.id}") == {seen.id}
    with app.app_context():
        referral = Referral(
            area_id=world.area.id,
            case_id=seen.id,
            status=ReferralStatus.ACCEPTED,
            referring_agency_id=world.police.id,
            referrer_id=world.users["coordinator"].id,
            referrer_name="Pat Referrer",
            draft={},
            criteria=[],
        )
        waiting = Referral(
            area_id=world.area.id,
            status=ReferralStatus.SUBMITTED,
            referring_agency_id=world.police.id,
            referrer_id=world.users["coordinator"].id,
            referrer_name="Pat Referrer",
            draft={"victim": {"first_name": "Wanda", "last_name": "Pendlebury"}},
            criteria=[],
        )
        db.session.add_all([referral, waiting])
        db.session.commit()
        referral_ref, waiting_id, waiting_ref = referral.reference, waiting.id, waiting.reference
    html = _search(browser, referral_ref).get_data(as_text=True)
    assert _found_cases(html) == {seen.id} and f"Referral {referral_ref} of this case" in html
    html = _search(browser, waiting_ref).get_data(as_text=True)
    assert f'href="/referrals/{waiting_id}"' in html and "Wanda Pendlebury" in html
    # Another area's coordinator finds neither the case nor the referral by its reference.
    elsewhere = signed_in(app, world.users["coordinator of another area"].email)
    html = _search(elsewhere, f"C{seen.id:06d} {waiting_ref}").get_data(as_text=True)
    assert _found_cases(html) == set() and f"/referrals/{waiting_id}" not in html


def test_a_user_finds_nothing_outside_what_they_may_see(app, world, search_world):
    seen, unseen = search_world.seen.id, search_world.unseen.id
    # The other area's coordinator finds only their own Vera.
    elsewhere = signed_in(app, world.users["coordinator of another area"].email)
    assert _found(elsewhere, "Vera Quillfeather") == {unseen}
    assert _found(elsewhere, f"C{seen:06d}") == set()
    # An agency that had no part in either case finds neither, by any term.
    housing = signed_in(app, world.users["agency rep of an uninvolved agency"].email)
    for terms in ("Vera Quillfeather", "Quill", "14/5/1991", "QQ7 3XY", "Marchbank", f"C{seen:06d}"):
        assert _found(housing, terms) == set(), terms


def test_a_confidential_address_is_not_found_by_its_postcode(app, world, build):
    hidden = build.case(world.area.id, victim={"postcode": "QQ9 9ZZ", "is_address_confidential": True})
    browser = signed_in(app, world.users["coordinator"].email)
    assert hidden.id not in _found(browser, "QQ9 9ZZ")


def test_the_search_is_a_post_and_its_results_page_holds_no_term_only_the_searchers_id(app, world, search_world):
    person = world.users["coordinator"]
    browser = signed_in(app, person.email)
    page = browser.get("/people/search?terms=Vera+Quillfeather")
    assert page.status_code == 200
    assert f'href="/cases/{search_world.seen.id}"' not in page.get_data(as_text=True)  # a query in the URL is not run
    # The header's box on every page posts to the search.
    assert 'form method="post" action="/people/search" role="search"' in browser.get("/cases").get_data(as_text=True)

    response = _search(browser, "Vera Quillfeather 14/5/1991")
    url = response.request.url
    assert re.fullmatch(r"http://localhost/people/search/[\w-]{20,32}", url), url
    assert "Quillfeather" not in url and "1991" not in url
    event = _events(app, "people.searched", user_id=person.id)[-1]
    assert event.detail == {
        "count": 1,
        "page": 1,
        "by_name": True,
        "by_reference": False,
        "by_date_of_birth": True,
        "by_postcode": False,
    }
    assert "Quillfeather" not in str(event.detail)

    # Back to the results: the same results, as long as the search lasts.
    again = browser.get(url)
    assert _found_cases(again.get_data(as_text=True)) == {search_world.seen.id}
    # Another user cannot open it: they are sent to a new search, with nothing found.
    other = signed_in(app, world.users["agency rep of an involved agency"].email)
    stranger = other.get(url)
    assert stranger.status_code == 302 and stranger.location.endswith("/people/search")
    assert _events(app, "people.searched", user_id=world.users["agency rep of an involved agency"].id) == []


def test_a_saved_search_expires_and_the_scheduler_removes_it(app, world, search_world):
    browser = signed_in(app, world.users["coordinator"].email)
    url = _search(browser, "Quillfeather").request.url
    with app.app_context():
        saved = db.session.scalars(sa.select(SavedSearch)).one()
        saved.created_at = utcnow() - search.LIFETIME - timedelta(seconds=1)
        db.session.commit()
    expired = browser.get(url)
    assert expired.status_code == 302 and expired.location.endswith("/people/search")
    with app.app_context():
        assert search.purge_job(utcnow() - search.LIFETIME) == {"deleted": 0}
        assert search.purge_job(utcnow()) == {"deleted": 1}
        db.session.commit()
        assert db.session.scalars(sa.select(SavedSearch)).all() == []


SEARCH_BUDGET = 14


@pytest.mark.parametrize("terms", ["Quern", "Quernmore Vera", "Quernmoor 2/3/1990", "ZZ4 4QQ"])
def test_a_search_keeps_its_query_budget_as_the_people_found_grow(app, world, build, terms):
    """Surnames by their start, the matching keys, postcodes: the statements do not grow with the
    people found (each with another name)."""
    browser = signed_in(app, world.users["coordinator"].email)

    def add_people(count):
        for _ in range(count):
            build.case(
                world.area.id,
                agency_ids=[world.police.id],
                victim={
                    "last_name": "Quernmoor",
                    "date_of_birth": date(1990, 3, 2),
                    "postcode": "ZZ4 4QQ",
                    "aliases": [("Vee", "Quernley")],
                },
            )
            build.case(world.area.id, victim={"first_name": "Other", "last_name": "Person"})

    def counted():
        with counted_queries(app) as statements:
            html = browser.get(url).get_data(as_text=True)
        return len(statements), len(_found_cases(html))

    add_people(2)
    url = _search(browser, terms).request.url
    small, found_small = counted()
    add_people(10)
    large, found_large = counted()
    assert found_large > found_small > 0
    assert large == small <= SEARCH_BUDGET, (small, large)


def test_search_needs_something_to_search_by(app, world):
    browser = signed_in(app, world.users["coordinator"].email)
    html = _search(browser, "   ").get_data(as_text=True)
    assert field_errors(html) == {"terms": "Enter a name, a reference, a date of birth or a postcode"}
    html = _search(browser, "Vera 31/6/1991").get_data(as_text=True)
    assert field_errors(html) == {"terms": "Date of birth must be a real date"}
    html = _search(browser, "x" * 201).get_data(as_text=True)
    assert field_errors(html) == {"terms": "Search must be 200 characters or fewer"}


# Two people editing at once


def test_two_people_changing_safety_notes_the_second_sees_both_and_nothing_is_overwritten(app, world):
    first = signed_in(app, world.users["coordinator"].email)
    second = signed_in(app, world.users["IDVA allocated"].email)
    url = f"/cases/{world.case.id}/safety"
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)

    saved = first.post(
        url,
        data={
            "victim_fears": "Percy, since the court date",
            "not_safe_to_share_with": "Percy's cousin",
            "version": version_field(first_page),
            "csrf_token": csrf_from(first_page),
        },
    )
    assert saved.status_code == 302
    clash = second.post(
        url,
        data={
            "victim_fears": "Percy and his new partner",
            "safe_to_share_with": "Her GP",
            "version": version_field(second_page),
            "csrf_token": csrf_from(second_page),
        },
    )
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Someone else changed this while you were editing it" in html
    assert "Percy, since the court date" in html and "Percy&#39;s cousin" in html  # what is saved now
    values = field_values(html)
    assert values["victim_fears"] == "Percy and his new partner"  # their own answers, kept
    assert values["safe_to_share_with"] == "Her GP"
    with app.app_context():
        case = db.session.get(Case, world.case.id)
        assert case.victim_fears == "Percy, since the court date"
        assert case.safe_to_share_with is None
        assert case.not_safe_to_share_with == "Percy's cousin"

    # Saving again from the conflict page is a deliberate choice, and it goes through.
    again = second.post(
        url,
        data={
            "victim_fears": "Percy and his new partner",
            "safe_to_share_with": "Her GP",
            "not_safe_to_share_with": "Percy's cousin",
            "version": version_field(html),
            "csrf_token": csrf_from(html),
        },
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Case, world.case.id).victim_fears == "Percy and his new partner"


def _person_answers(page_html, **changes):
    values = field_values(page_html)
    answers = {name: value for name, value in values.items() if name not in ("csrf_token",)}
    return {**answers, **changes, "csrf_token": csrf_from(page_html)}


def test_two_people_changing_a_person_the_second_sees_both_and_nothing_is_overwritten(app, world):
    first = signed_in(app, world.users["coordinator"].email)
    second = signed_in(app, world.users["IDVA allocated"].email)
    url = f"/cases/{world.case.id}/people/{world.case.perpetrator_id}"
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)

    saved = first.post(url, data=_person_answers(first_page, last_name="Renamedby-First", postcode="ZZ1 5XY"))
    assert saved.status_code == 302
    clash = second.post(url, data=_person_answers(second_page, first_name="Perceval", date_of_birth=["2", "7", "1985"]))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Someone else changed this while you were editing it" in html
    assert "Renamedby-First" in html and "ZZ1 5XY" in html  # what is saved now
    values = field_values(html)
    assert values["first_name"] == "Perceval" and values["date_of_birth"] == ["2", "7", "1985"]
    with app.app_context():
        person = db.session.get(Person, world.case.perpetrator_id)
        assert (person.first_name, person.date_of_birth) == ("Percy", date(1985, 7, 1))
        assert person.last_name == "Renamedby-First"

    again = second.post(url, data=_person_answers(html))
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Person, world.case.perpetrator_id).first_name == "Perceval"


def test_a_person_edit_with_bad_input_keeps_the_answers_and_changes_nothing(app, world):
    browser = signed_in(app, world.users["coordinator"].email)
    url = f"/cases/{world.case.id}/people/{world.case.victim_id}"
    page = browser.get(url).get_data(as_text=True)
    answers = _person_answers(page, first_name="Valeria", date_of_birth=["31", "6", "1990"], phone="call me")
    response = browser.post(url, data=answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_errors(html) == {
        "date_of_birth": "Date of birth must be a real date",
        "phone": "Enter a phone number, like 01632 960 001 or 07700 900 982",
    }
    values = field_values(html)
    assert values["first_name"] == "Valeria" and values["date_of_birth"] == ["31", "6", "1990"]
    with app.app_context():
        assert db.session.get(Person, world.case.victim_id).first_name == "Vera"


def test_people_outside_the_case_cannot_be_edited_through_it(app, world, build):
    other = build.case(world.area.id)
    browser = signed_in(app, world.users["coordinator"].email)
    assert browser.get(f"/cases/{world.case.id}/people/{other.victim_id}").status_code == 404


def test_a_saved_search_id_that_could_not_have_been_made_is_an_expired_search(app, world):
    browser = signed_in(app, world.users["coordinator"].email)
    for search_id in ("a%00b", "x" * 40, "a.b"):
        response = browser.get(f"/people/search/{search_id}")
        assert response.status_code == 302 and response.headers["Location"].endswith("/people/search"), search_id
