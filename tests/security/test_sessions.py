"""Server-side sessions: sign-out, timeouts, deactivation and password changes really end them."""

from datetime import timedelta

import pytest

from models import Role, User, UserSession, db
from tests.helpers import post_form, sign_in


def _session_cookie(client):
    return client.get_cookie("marac_session").value


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, make):
    person = make.user()
    browser = app.test_client()
    sign_in(browser, person.email)
    assert browser.get("/").status_code == 200
    stolen = _session_cookie(browser)

    post_form(browser, "/auth/logout", {})
    assert browser.get("/").status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("marac_session", stolen)
    response = attacker.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_sign_out_is_post_only(client, make):
    person = make.user()
    sign_in(client, person.email)
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def _age_session(app, user_id, *, idle=None, age=None):
    with app.app_context():
        row = db.session.query(UserSession).filter_by(user_id=user_id).one()
        if idle:
            row.last_seen_at -= idle
        if age:
            row.created_at -= age
        db.session.commit()


def test_thirty_minutes_idle_ends_the_session(app, client, make):
    person = make.user()
    sign_in(client, person.email)
    _age_session(app, person.id, idle=timedelta(minutes=29))
    assert client.get("/").status_code == 200
    _age_session(app, person.id, idle=timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out because you were inactive" in page


def test_twelve_hours_ends_the_session_however_active(app, client, make):
    person = make.user()
    sign_in(client, person.email)
    _age_session(app, person.id, age=timedelta(hours=12, minutes=1))
    assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(app, make):
    person = make.user()
    browser = app.test_client()
    sign_in(browser, person.email)
    with app.app_context():
        db.session.get(User, person.id).is_active = False
        db.session.commit()
    assert browser.get("/").status_code == 302


def test_changing_password_ends_other_sessions_but_not_this_one(app, make):
    person = make.user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, person.email)
    sign_in(phone, person.email)
    new_password = "a brand new passphrase"
    response = post_form(
        laptop,
        "/auth/password",
        {"current_password": person.password, "new_password": new_password, "confirm_password": new_password},
        token_from="/auth/password",
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, person.email, new_password).status_code == 302
    assert fresh.get("/").status_code == 200


def test_changing_password_reissues_this_session_and_ends_every_other(app, make):
    """Whoever had a copy of this browser's cookie (a shared PC, a stolen cookie) loses it too."""
    person = make.user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, person.email)
    sign_in(phone, person.email)
    old_cookie = _session_cookie(laptop)
    new_password = "a brand new passphrase"
    response = post_form(
        laptop,
        "/auth/password",
        {"current_password": person.password, "new_password": new_password, "confirm_password": new_password},
        token_from="/auth/password",
    )
    assert response.status_code == 302
    assert _session_cookie(laptop) != old_cookie
    assert laptop.get("/").status_code == 200  # the new cookie works
    copy = app.test_client()
    copy.set_cookie("marac_session", old_cookie)
    assert copy.get("/").status_code == 302  # the old one does not
    assert phone.get("/").status_code == 302
    with app.app_context():
        rows = db.session.query(UserSession).filter_by(user_id=person.id).all()
        assert [row.end_reason for row in rows if row.ended_at is not None] == ["password_changed"]
        assert len([row for row in rows if row.ended_at is None]) == 1


def test_an_admin_can_end_a_users_sessions(app, make):
    person = make.user()
    admin = make.user(Role.ADMIN)
    their_browser, admin_browser = app.test_client(), app.test_client()
    sign_in(their_browser, person.email)
    sign_in(admin_browser, admin.email)
    response = post_form(admin_browser, f"/admin/users/{person.id}/end-sessions", {})
    assert response.status_code == 302
    assert their_browser.get("/").status_code == 302
    assert admin_browser.get("/").status_code == 200


def test_each_sign_in_gets_a_new_cookie(app, client, make):
    """Session fixation: a cookie from before sign-in does not become a signed-in one."""
    person = make.user()
    client.get("/auth/login")
    before = _session_cookie(client)
    sign_in(client, person.email)
    assert _session_cookie(client) != before


@pytest.mark.parametrize("config", ["testing", "production"])
def test_cookie_flags(config, database_url):
    from marac import create_app

    overrides = {"SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": database_url, "ALLOW_SQLITE": True}
    app = create_app(config, **overrides)
    client = app.test_client()
    response = client.get("/auth/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert ("Secure" in cookie) == (config == "production")
