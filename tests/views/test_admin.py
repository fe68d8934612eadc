import re

import pytest

from models import Agency, Area, AuditEvent, Role, User, db
from tests.helpers import counted_queries, csrf_from, post_form, sign_in


def _signed_in_admin(client, make):
    admin = make.user(Role.ADMIN)
    sign_in(client, admin.email)
    return admin


def _area_answers(**changes):
    answers = {
        "name": "Westford",
        "adult_female_population": "120000",
        "meeting_cadence": "fortnightly",
        "dash_high_threshold": "14",
        "dash_medium_threshold": "10",
        "escalation_incident_count": "3",
        "escalation_window_months": "12",
        "idva_capacity_per_fte": "70",
        "is_active": "y",
        "version": "1",
    }
    return {**answers, **changes}


def test_admin_adds_an_area_and_it_is_audited(app, client, make):
    _signed_in_admin(client, make)
    response = post_form(client, "/admin/areas/new", _area_answers(), token_from="/admin/areas/new")
    assert response.status_code == 302
    assert "Westford" in client.get("/admin/areas").get_data(as_text=True)
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Westford").one()
        assert area.adult_female_population == 120000
        assert db.session.query(AuditEvent).filter_by(event="admin.area_created", record_id=area.id).count() == 1


def test_area_errors_are_shown_and_other_answers_kept(client, make):
    _signed_in_admin(client, make)
    answers = _area_answers(dash_high_threshold="30", dash_medium_threshold="", name="Keep me")
    html = post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").get_data(as_text=True)
    assert "Enter a score between 1 and 24" in html
    assert "Enter the DASH score for medium risk" in html
    assert 'value="Keep me"' in html
    assert 'value="120000"' in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html


def test_medium_must_be_below_high(client, make):
    _signed_in_admin(client, make)
    answers = _area_answers(dash_medium_threshold="14")
    html = post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").get_data(as_text=True)
    assert "The medium-risk score must be lower than the high-risk score" in html


def test_two_admins_editing_one_area_the_second_sees_a_conflict(app, make):
    area = make.area(name="Shared")
    first, second = app.test_client(), app.test_client()
    _signed_in_admin(first, make)
    _signed_in_admin(second, make)
    first_page = first.get(f"/admin/areas/{area.id}").get_data(as_text=True)
    second_page = second.get(f"/admin/areas/{area.id}").get_data(as_text=True)

    saved = first.post(
        f"/admin/areas/{area.id}", data={**_area_answers(name="First's name"), "csrf_token": csrf_from(first_page)}
    )
    assert saved.status_code == 302
    clash = second.post(
        f"/admin/areas/{area.id}", data={**_area_answers(name="Second's name"), "csrf_token": csrf_from(second_page)}
    )
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Someone else changed this while you were editing it" in html
    assert "First&#39;s name" in html  # what is saved now
    assert 'value="Second&#39;s name"' in html  # their own answers, kept
    with app.app_context():
        assert db.session.get(Area, area.id).name == "First's name"

    # Saving again from the conflict page is a deliberate choice, and it goes through.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    again = second.post(
        f"/admin/areas/{area.id}",
        data={**_area_answers(name="Second's name", version=version), "csrf_token": csrf_from(html)},
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Area, area.id).name == "Second's name"


def test_admin_creates_a_user_who_signs_in_with_a_one_time_password(app, client, make):
    area = make.area()
    agency = make.agency(area_ids=[area.id])
    _signed_in_admin(client, make)
    answers = {
        "name": "Robin Rep",
        "email": "Robin.Rep@Example.org",
        "agency_id": str(agency.id),
        "roles": ["agency_rep"],
        "area_ids": [str(area.id)],
        "version": "1",
    }
    response = post_form(client, "/admin/users/new", answers, token_from="/admin/users/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Account created" in html
    password = re.search(r"<code>([^<]+)</code>", html).group(1)

    newcomer = app.test_client()
    sign_in(newcomer, "robin.rep@example.org", password)
    assert newcomer.get("/").headers["Location"] == "/auth/password"
    with app.app_context():
        user = db.session.query(User).filter_by(email="robin.rep@example.org").one()
        assert user.roles == {Role.AGENCY_REP} and user.must_change_password


def test_user_form_errors(client, make):
    existing = make.user()
    _signed_in_admin(client, make)
    answers = {"name": "", "email": existing.email, "agency_id": "0", "version": "1"}
    html = post_form(client, "/admin/users/new", answers, token_from="/admin/users/new").get_data(as_text=True)
    for message in (
        "Enter the person&#39;s full name",
        "Select the agency",
        "Select at least one role",
        "Select at least one area",
    ):
        assert message in html
    answers = {
        "name": "Dup",
        "email": existing.email.upper(),
        "agency_id": str(existing.agency_id),
        "roles": ["coordinator"],
        "area_ids": [str(existing.area_ids[0])],
        "version": "1",
    }
    html = post_form(client, "/admin/users/new", answers, token_from="/admin/users/new").get_data(as_text=True)
    assert "A user with this email address already exists" in html


def test_deactivating_a_user_signs_them_out(app, make):
    person = make.user(Role.IDVA)
    their_browser, admin_browser = app.test_client(), app.test_client()
    sign_in(their_browser, person.email)
    _signed_in_admin(admin_browser, make)
    page = admin_browser.get(f"/admin/users/{person.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    answers = {
        "name": "Still Here",
        "email": person.email,
        "agency_id": str(person.agency_id),
        "roles": ["idva"],
        "area_ids": [str(person.area_ids[0])],
        "version": version,
        "csrf_token": csrf_from(page),
    }  # no is_active: unticked
    assert admin_browser.post(f"/admin/users/{person.id}", data=answers).status_code == 302
    assert their_browser.get("/").status_code == 302
    assert sign_in(their_browser, person.email).status_code == 200  # refused: the form again


def test_reset_password_shows_a_new_one_time_password_once(app, client, make):
    person = make.user()
    _signed_in_admin(client, make)
    html = post_form(client, f"/admin/users/{person.id}/reset-password", {}).get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", html).group(1)
    assert sign_in(app.test_client(), person.email, password).status_code == 302
    assert sign_in(app.test_client(), person.email, person.password).status_code == 200


def test_admin_adds_an_agency_to_areas(app, client, make):
    area = make.area()
    _signed_in_admin(client, make)
    answers = {
        "name": "Testshire Fire Service",
        "kind": "other",
        "area_ids": [str(area.id)],
        "is_active": "y",
        "version": "1",
    }
    assert post_form(client, "/admin/agencies/new", answers, token_from="/admin/agencies/new").status_code == 302
    with app.app_context():
        agency = db.session.query(Agency).filter_by(name="Testshire Fire Service").one()
        assert [a.id for a in agency.areas] == [area.id]


def test_audit_log_filters_by_event_and_date(client, make):
    admin = _signed_in_admin(client, make)
    html = client.get(f"/admin/audit?event=auth.sign_in&user_id={admin.id}").get_data(as_text=True)
    assert "auth.sign_in" in html
    html = client.get("/admin/audit?date_from=2026-02-30").get_data(as_text=True)
    assert "Enter a real date in the format 2026-11-22" in html
    html = client.get("/admin/audit?date_from=2001-01-01&date_to=2001-01-02").get_data(as_text=True)
    assert "No events match." in html


@pytest.mark.parametrize(
    "query",
    [
        "date_from=abc&date_to=2026-01-01",
        "date_to=9999-12-31",
        "page=99999999999999999999",
        "page=-1",
        "page=abc",
        "user_id=xyz",
        "event=%00",
    ],
)
def test_odd_audit_queries_are_answered_not_crashed(client, make, query):
    _signed_in_admin(client, make)
    assert client.get(f"/admin/audit?{query}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/admin/users/99999999999999999999", "/admin/areas/99999999999", "/admin/agencies/2147483648"]
)
def test_ids_too_large_for_the_database_are_not_found(client, make, path):
    _signed_in_admin(client, make)
    assert client.get(path).status_code == 404


def test_an_admin_cannot_remove_their_own_admin_role_or_account(app, client, make):
    admin = _signed_in_admin(client, make)
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    answers = {
        "name": "Me",
        "email": admin.email,
        "agency_id": str(admin.agency_id),
        "roles": ["coordinator"],
        "area_ids": [str(admin.area_ids[0])],
        "version": version,
        "is_active": "y",
        "csrf_token": csrf_from(page),
    }
    html = client.post(f"/admin/users/{admin.id}", data=answers).get_data(as_text=True)
    assert "You cannot remove your own administrator role" in html
    html = client.post(f"/admin/users/{admin.id}", data={**answers, "roles": ["admin"], "is_active": ""}).get_data(
        as_text=True
    )
    assert "You cannot deactivate your own account" in html
    with app.app_context():
        assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_a_password_reset_lifts_the_wait_after_failed_sign_ins(app, client, make):
    person = make.user()
    for _ in range(5):
        sign_in(app.test_client(), person.email, "wrong")
    _signed_in_admin(client, make)
    html = post_form(client, f"/admin/users/{person.id}/reset-password", {}).get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", html).group(1)
    assert sign_in(app.test_client(), person.email, password).status_code == 302


def test_population_may_be_typed_with_commas_and_names_lose_stray_line_breaks(app, client, make):
    _signed_in_admin(client, make)
    answers = _area_answers(adult_female_population="120,000", name="North\r\nfield")
    assert post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").status_code == 302
    with app.app_context():
        area = db.session.query(Area).filter_by(name="North field").one()
        assert area.adult_female_population == 120000


def test_a_name_of_only_invisible_characters_is_blank(client, make):
    _signed_in_admin(client, make)
    answers = _area_answers(name="\u200b\u200b \u202e")
    html = post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").get_data(as_text=True)
    assert "Enter the area name" in html


def test_tampered_choices_get_gov_uk_messages(client, make):
    _signed_in_admin(client, make)
    answers = {"name": "X", "email": "x@example.org", "agency_id": "abc", "roles": ["emperor"], "version": "1"}
    html = post_form(client, "/admin/users/new", answers, token_from="/admin/users/new").get_data(as_text=True)
    assert "Select one of the options" in html or "Select from the options" in html
    assert "could not coerce" not in html and "Not a valid" not in html


def test_admin_lists_keep_a_fixed_query_budget(app, client, make):
    _signed_in_admin(client, make)
    budgets = {"/admin/users": 9, "/admin/agencies": 8, "/admin/areas": 7, "/admin/audit": 12}
    for path, budget in budgets.items():
        with counted_queries(app) as few:
            assert client.get(path).status_code == 200
        for _ in range(15):
            make.user()
        with counted_queries(app) as many:
            assert client.get(path).status_code == 200
        assert len(many) == len(few) <= budget, (path, len(few), len(many))


def test_equality_population_and_idva_capacity_are_area_settings(app, client, make):
    _signed_in_admin(client, make)
    answers = _area_answers(name="Equalshire", idva_capacity_per_fte="65", pct_lgbt="3.5", pct_male="abc")
    html = post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").get_data(as_text=True)
    assert "Enter a number, like 12.5" in html and 'value="3.5"' in html
    answers["pct_male"] = "48.9"
    assert post_form(client, "/admin/areas/new", answers, token_from="/admin/areas/new").status_code == 302
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Equalshire").one()
        assert area.idva_capacity_per_fte == 65 and float(area.pct_lgbt) == 3.5 and float(area.pct_male) == 48.9
