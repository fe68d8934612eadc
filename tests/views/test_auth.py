import re

import pytest

from models import AuditEvent, Role, db
from tests.helpers import csrf_from, post_form, sign_in


def test_signing_in_leads_to_the_dashboard(client, make):
    person = make.user(Role.COORDINATOR)
    response = sign_in(client, person.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "MARAC coordinator" in page
    assert "OFFICIAL-SENSITIVE" in page


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled account"])
def test_failed_sign_in_shows_one_message_for_every_cause(client, make, case):
    person = make.user(is_active=case != "disabled account")
    email = "nobody@example.org" if case == "unknown email" else person.email
    password = "not the password" if case == "wrong password" else person.password
    response = sign_in(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in html
    assert "There is a problem" in html
    assert person.password not in html


def test_the_wait_after_five_failures_is_explained(client, make):
    person = make.user()
    for _ in range(5):
        response = sign_in(client, person.email, "wrong")
    html = response.get_data(as_text=True)
    assert "Wait 15 minutes, then try again" in html
    # The right password during the wait is still refused, with the same explanation.
    assert "Wait 15 minutes" in sign_in(client, person.email).get_data(as_text=True)


def test_sign_in_events_are_audited_without_the_password(app, client, make):
    person = make.user()
    sign_in(client, person.email, "wrong guess")
    sign_in(client, person.email)
    with app.app_context():
        events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [event.event for event in events] == ["auth.sign_in_refused", "auth.sign_in"]
    assert all(event.user_id == person.id or event.record_id == person.id for event in events)
    assert "wrong guess" not in repr([event.detail for event in events])


def test_an_expired_token_on_the_sign_in_page_rerenders_the_form(client):
    client.get("/auth/login")
    response = client.post("/auth/login", data={"email": "kept@example.org", "password": "x", "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The sign-in page had expired" in html
    assert 'value="kept@example.org"' in html
    assert 'name="password"' in html


def test_next_only_goes_to_this_site(client, make):
    person = make.user(Role.ADMIN)
    page = client.get("/auth/login?next=/admin/users")
    response = client.post(
        "/auth/login?next=/admin/users",
        data={"email": person.email, "password": person.password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.headers["Location"] == "/admin/users"
    post_form(client, "/auth/logout", {})
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login?next=//evil.example.com/",
        data={"email": person.email, "password": person.password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.headers["Location"] == "/"


def test_a_user_with_a_one_time_password_must_change_it_first(client, make):
    person = make.user(must_change_password=True)
    sign_in(client, person.email)
    assert client.get("/").headers["Location"] == "/auth/password"
    new_password = "my own long passphrase"
    response = post_form(
        client,
        "/auth/password",
        {"current_password": person.password, "new_password": new_password, "confirm_password": new_password},
        token_from="/auth/password",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_change_errors_are_shown_on_the_page(client, make):
    person = make.user()
    sign_in(client, person.email)
    response = post_form(
        client,
        "/auth/password",
        {"current_password": person.password, "new_password": "short", "confirm_password": "short"},
        token_from="/auth/password",
    )
    html = response.get_data(as_text=True)
    assert "Password must be 12 characters or more" in html
    assert html.count('class="govuk-error-summary"') == 1


def test_answers_survive_a_session_that_timed_out_mid_form(app, client, make):
    """The admin's area form is posted after the session timed out: after signing in again the
    answers come back, ready to send, and sending them saves them."""
    from datetime import timedelta

    from models import Area, UserSession

    admin = make.user(Role.ADMIN)
    area = make.area(name="Old name")
    sign_in(client, admin.email)
    form_page = client.get(f"/admin/areas/{area.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_page).group(1)
    with app.app_context():
        db.session.query(UserSession).filter_by(user_id=admin.id).one().last_seen_at -= timedelta(hours=1)
        db.session.commit()
    answers = {
        "csrf_token": csrf_from(form_page),
        "version": version,
        "name": "New name <b>&</b>",
        "meeting_cadence": "monthly",
        "dash_high_threshold": "14",
        "dash_medium_threshold": "10",
        "escalation_incident_count": "3",
        "escalation_window_months": "12",
        "idva_capacity_per_fte": "70",
        "is_active": "y",
    }
    response = client.post(f"/admin/areas/{area.id}", data=answers)
    assert response.headers["Location"].startswith("/auth/login")

    response = sign_in(client, admin.email)
    assert response.headers["Location"] == "/auth/resume"
    resume = client.get("/auth/resume").get_data(as_text=True)
    assert 'value="New name &lt;b&gt;&amp;&lt;/b&gt;"' in resume
    assert f'action="/admin/areas/{area.id}"' in resume

    resent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', resume))
    import html as html_lib

    resent = {key: html_lib.unescape(value) for key, value in resent.items()}
    assert client.post(f"/admin/areas/{area.id}", data=resent).status_code == 302
    with app.app_context():
        assert db.session.get(Area, area.id).name == "New name <b>&</b>"
    # The kept answers are gone once handed back.
    assert client.get("/auth/resume").headers["Location"] == "/"


def test_a_stale_token_on_a_signed_in_form_keeps_the_answers(client, make):
    admin = make.user(Role.ADMIN)
    sign_in(client, admin.email)
    response = client.post("/admin/areas/new", data={"csrf_token": "stale", "name": "Kept area"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Send your answers again" in html
    assert 'value="Kept area"' in html


def test_passwords_are_never_kept_or_sent_back(app, client, make):
    """A password change posted with a stale token: the page offers to resend, without passwords."""
    person = make.user()
    sign_in(client, person.email)
    response = client.post(
        "/auth/password",
        data={
            "csrf_token": "stale",
            "current_password": "secret-one-xyz",
            "new_password": "secret-two-xyz",
            "confirm_password": "secret-two-xyz",
            "note": "kept",
        },
    )
    html = response.get_data(as_text=True)
    assert "secret-one-xyz" not in html and "secret-two-xyz" not in html
    assert 'value="kept"' in html


def test_a_stale_button_with_nothing_typed_explains_and_does_nothing(client, make):
    person = make.user()
    sign_in(client, person.email)
    response = client.post("/auth/logout", data={"csrf_token": "stale"})
    assert response.status_code == 302
    assert "That page had expired, so nothing was done" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_the_new_password_must_differ_from_the_one_time_one(client, make):
    person = make.user(must_change_password=True)
    sign_in(client, person.email)
    response = post_form(
        client,
        "/auth/password",
        {"current_password": person.password, "new_password": person.password, "confirm_password": person.password},
        token_from="/auth/password",
    )
    assert "must be different from your current password" in response.get_data(as_text=True)


def test_a_null_character_in_the_sign_in_form_is_refused_politely(client):
    response = sign_in(client, "a\x00@example.org", "x")
    assert response.status_code == 200
    assert "must not contain a null character" in response.get_data(as_text=True)
