"""Two-factor sign-in: setting it up, codes accepted once only, recovery codes, the
half-signed-in state that reaches nothing else, the wait after wrong codes, the admin's reset."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from marac.security import ACCESS_POLICY, PUBLIC, SIGNING_IN
from models import AuditEvent, MfaRecoveryCode, Role, User, UserSession, db
from tests.helpers import csrf_from, post_form, sign_in
from tests.security.routes import methods_of, rules, url_of


@pytest.fixture
def mfa_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)


def _secret(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).mfa_secret


def _enrol(app, user_id):
    """Set up two-factor sign-in for a user directly; returns the secret."""
    from marac.services import mfa

    secret = mfa.new_secret()
    with app.app_context():
        user = db.session.get(User, user_id)
        user.mfa_secret = secret
        user.mfa_enrolled_at = user.created_at
        codes = mfa.new_recovery_codes(user)
        db.session.commit()
    return secret, codes


def _code(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _post_code(client, code, url="/auth/two-factor"):
    page = client.get(url)
    return client.post(url, data={"code": code, "csrf_token": csrf_from(page.get_data(as_text=True))})


def _events(app, *names):
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if names:
            query = query.where(AuditEvent.event.in_(names))
        return db.session.scalars(query).all()


def test_an_enrolled_user_is_asked_for_a_code_after_the_password(app, client, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    response = sign_in(client, person.email)
    assert response.headers["Location"] == "/auth/two-factor"
    assert client.get("/").headers["Location"] == "/auth/two-factor"
    response = _post_code(client, _code(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    events = [event.event for event in _events(app)]
    assert events == ["auth.password_accepted", "auth.sign_in"]
    assert _events(app, "auth.sign_in")[0].detail == {"second_factor": "totp"}


def test_the_next_page_survives_the_code_page(app, client, make):
    person = make.user(Role.ADMIN)
    secret, _codes = _enrol(app, person.id)
    page = client.get("/auth/login?next=/admin/users")
    client.post(
        "/auth/login?next=/admin/users",
        data={"email": person.email, "password": person.password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert _post_code(client, _code(secret)).headers["Location"] == "/admin/users"


def test_half_signed_in_reaches_only_the_two_factor_pages(app, client, make):
    """Right password, no code yet: every other page sends them back to the code page, and no
    page shows anything of the account beyond it."""
    person = make.user(Role.COORDINATOR, Role.ADMIN)
    _enrol(app, person.id)
    sign_in(client, person.email)
    checked = 0
    for rule in rules(app):
        policy = ACCESS_POLICY.get(rule.endpoint)
        if policy in (PUBLIC, SIGNING_IN):
            continue
        url = url_of(rule)
        for method in methods_of(rule):
            response = client.open(url, method=method)
            if response.status_code == 302:
                assert response.headers["Location"] == "/auth/two-factor", rule.endpoint
            else:  # the JSON API answers for itself, without the session
                assert rule.endpoint.startswith("api") and response.status_code == 401, (rule.endpoint, method)
            checked += 1
    assert checked > 30
    # The code page itself works, and signing out from it ends the half-signed-in session.
    assert client.get("/auth/two-factor").status_code == 200
    post_form(client, "/auth/logout", {}, token_from="/auth/two-factor")
    assert client.get("/auth/two-factor").headers["Location"].startswith("/auth/login")
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession).filter_by(user_id=person.id)).one()
        assert row.ended_at is not None and row.mfa_stage == "verify"


def test_a_wrong_code_is_refused_and_audited(app, client, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    sign_in(client, person.email)
    wrong = f"{(int(_code(secret)) + 1) % 1_000_000:06d}"
    response = _post_code(client, wrong)
    assert response.status_code == 200
    assert "Enter a correct security code" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"] == "/auth/two-factor"
    refused = _events(app, "auth.mfa_refused")
    assert len(refused) == 1 and refused[0].user_id == person.id
    assert wrong not in repr(refused[0].detail)


def test_a_code_is_accepted_once_only(app, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    code = _code(secret)
    first, second = app.test_client(), app.test_client()
    sign_in(first, person.email)
    sign_in(second, person.email)
    assert _post_code(first, code).headers["Location"] == "/"
    replay = _post_code(second, code)
    assert replay.status_code == 200 and "Enter a correct security code" in replay.get_data(as_text=True)
    assert second.get("/").headers["Location"] == "/auth/two-factor"


def test_an_older_code_is_refused_after_a_newer_one(app, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    first, second = app.test_client(), app.test_client()
    sign_in(first, person.email)
    sign_in(second, person.email)
    assert _post_code(first, _code(secret, +1)).headers["Location"] == "/"  # the next step, within drift
    assert _post_code(second, _code(secret)).status_code == 200  # the current step is now used up


def test_accept_code_is_atomic(app, make):
    """Two requests with the same code at once: the conditional UPDATE lets exactly one through."""
    from marac.services import mfa

    person = make.user()
    secret, _codes = _enrol(app, person.id)
    code = _code(secret)
    with app.app_context():
        one = db.session.get(User, person.id)
        # The second request loaded the user before the first one accepted the code.
        db.session.expunge(one)
        two = db.session.get(User, person.id)
        assert mfa.accept_code(one, code) is True
        assert mfa.accept_code(two, code) is False


def test_five_wrong_codes_make_a_wait_even_for_the_right_code(app, client, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    sign_in(client, person.email)
    for _ in range(5):
        response = _post_code(client, "000000" if _code(secret) != "000000" else "111111")
    assert "too many wrong security codes" in response.get_data(as_text=True)
    response = _post_code(client, _code(secret))
    assert response.status_code == 200
    assert client.get("/").headers["Location"] == "/auth/two-factor"
    # The wait is per account: a new sign-in does not start afresh.
    other = app.test_client()
    sign_in(other, person.email)
    assert _post_code(other, _code(secret, +1)).status_code == 200


def test_the_half_signed_in_state_times_out(app, client, make):
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    sign_in(client, person.email)
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession).filter_by(user_id=person.id)).one()
        row.created_at -= timedelta(minutes=11)
        db.session.commit()
    response = client.get("/auth/two-factor")
    assert response.headers["Location"].startswith("/auth/login")


def test_the_cookie_changes_when_the_code_is_accepted(app, make):
    """The half-signed-in cookie is worth nothing once the code has been accepted."""
    person = make.user()
    secret, _codes = _enrol(app, person.id)
    browser = app.test_client()
    sign_in(browser, person.email)
    half = browser.get_cookie("marac_session").value
    _post_code(browser, _code(secret))
    assert browser.get_cookie("marac_session").value != half
    thief = app.test_client()
    thief.set_cookie("marac_session", half)
    assert thief.get("/").headers["Location"].startswith("/auth/login")


def test_recovery_codes_work_once_each(app, make):
    person = make.user()
    _secret_value, codes = _enrol(app, person.id)
    browser = app.test_client()
    sign_in(browser, person.email)
    response = _post_code(browser, codes[0].upper().replace("-", " "), url="/auth/two-factor/recovery")
    assert response.headers["Location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200 and "You have 9 left" in home.get_data(as_text=True)
    again = app.test_client()
    sign_in(again, person.email)
    response = _post_code(again, codes[0], url="/auth/two-factor/recovery")
    assert response.status_code == 200
    assert "has not been used before" in response.get_data(as_text=True)
    assert [event.event for event in _events(app, "auth.mfa_recovery_code_used")] == ["auth.mfa_recovery_code_used"]


def test_recovery_codes_are_stored_hashed(app, make):
    person = make.user()
    _secret_value, codes = _enrol(app, person.id)
    with app.app_context():
        stored = db.session.scalars(sa.select(MfaRecoveryCode.code_hash).filter_by(user_id=person.id)).all()
    assert len(stored) == 10 == len(set(codes))
    assert not set(codes) & set(stored)
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)


def test_setting_up_is_required_at_sign_in_under_mfa_required(app, client, make, mfa_required):
    person = make.user()
    response = sign_in(client, person.email)
    assert response.headers["Location"] == "/auth/two-factor/setup"
    assert client.get("/").headers["Location"] == "/auth/two-factor/setup"
    assert client.get("/auth/two-factor").headers["Location"] == "/auth/two-factor/setup"
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    # The QR code is drawn here, as an inline image: nothing is sent to another service.
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', page)
    assert "http://" not in page and "https://" not in page
    key = re.search(r'<code class="marac-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert len(key) * 5 >= 160  # base32: 5 bits a character
    # The same secret on a reload (the user may be scanning it).
    assert key in client.get("/auth/two-factor/setup").get_data(as_text=True).replace(" ", "")

    wrong = _post_code(client, f"{(int(_code(key)) + 1) % 1_000_000:06d}", url="/auth/two-factor/setup")
    assert "Enter a correct security code" in wrong.get_data(as_text=True)
    done = _post_code(client, _code(key), url="/auth/two-factor/setup")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Two-factor sign-in is set up" in html
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html)
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert _secret(app, person.id) == key
    assert [event.event for event in _events(app, "auth.mfa_enrolled", "auth.sign_in")] == [
        "auth.mfa_enrolled",
        "auth.sign_in",
    ]
    # The code used to set it up cannot be used again.
    later = app.test_client()
    sign_in(later, person.email)
    assert _post_code(later, _code(key)).status_code == 200


def test_without_mfa_required_a_user_who_has_not_set_it_up_signs_in_with_a_password(app, client, make):
    assert app.config["MFA_REQUIRED"] is False
    person = make.user()
    assert sign_in(client, person.email).headers["Location"] == "/"
    assert "Two-factor sign-in is not required on this system" in app.test_client().get("/auth/login").get_data(
        as_text=True
    )


def test_production_requires_two_factor_sign_in(database_url):
    from marac import create_app

    production = create_app("production", SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI=database_url, ALLOW_SQLITE=True)
    assert production.config["MFA_REQUIRED"] is True
    assert "is not required" not in production.test_client().get("/auth/login").get_data(as_text=True)


def test_a_signed_in_user_can_set_it_up_and_renew_recovery_codes(app, client, make):
    person = make.user()
    sign_in(client, person.email)
    assert "Set up two-factor sign-in" in client.get("/auth/two-factor/settings").get_data(as_text=True)
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    key = re.search(r'<code class="marac-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    first = re.findall(
        r"<li><code>([a-z0-9-]+)</code></li>",
        _post_code(client, _code(key), "/auth/two-factor/setup").get_data(as_text=True),
    )
    assert len(first) == 10
    settings = client.get("/auth/two-factor/settings").get_data(as_text=True)
    assert "10 of 10" in settings
    # Renewing needs a fresh code (not the one just used).
    assert _post_code(client, _code(key), "/auth/two-factor/settings").status_code == 200
    renewed = _post_code(client, _code(key, +1), "/auth/two-factor/settings").get_data(as_text=True)
    second = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", renewed)
    assert len(second) == 10 and not set(first) & set(second)
    from marac.services import mfa

    with app.app_context():
        user = db.session.get(User, person.id)
        assert not mfa.use_recovery_code(user, first[0])
        assert mfa.use_recovery_code(user, second[0])


def test_an_admin_can_reset_two_factor_sign_in(app, make, mfa_required):
    person = make.user()
    admin = make.user(Role.ADMIN)
    secret, _codes = _enrol(app, person.id)
    admin_secret, _admin_codes = _enrol(app, admin.id)
    their_browser, admin_browser = app.test_client(), app.test_client()
    sign_in(their_browser, person.email)
    _post_code(their_browser, _code(secret))
    sign_in(admin_browser, admin.email)
    _post_code(admin_browser, _code(admin_secret))
    assert "Reset two-factor sign-in" in admin_browser.get(f"/admin/users/{person.id}").get_data(as_text=True)
    response = post_form(admin_browser, f"/admin/users/{person.id}/reset-two-factor", {})
    assert response.status_code == 302
    assert their_browser.get("/").status_code == 302  # their sessions have ended
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.mfa_secret is None and user.mfa_last_step is None
        assert db.session.scalar(sa.select(sa.func.count(MfaRecoveryCode.id)).filter_by(user_id=person.id)) == 0
    event = _events(app, "admin.user_mfa_reset")[0]
    assert (event.user_id, event.record_id) == (admin.id, person.id)
    fresh = app.test_client()
    assert sign_in(fresh, person.email).headers["Location"] == "/auth/two-factor/setup"


def test_only_admins_can_reset_two_factor_sign_in(app, client, make):
    person = make.user()
    _enrol(app, person.id)
    coordinator = make.user(Role.COORDINATOR)
    sign_in(client, coordinator.email)
    assert post_form(client, f"/admin/users/{person.id}/reset-two-factor", {}).status_code == 403
    assert _secret(app, person.id) is not None


def test_the_secret_is_never_in_the_audit_log(app, client, make, mfa_required):
    person = make.user()
    sign_in(client, person.email)
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    key = re.search(r'<code class="marac-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    code = _code(key)
    _post_code(client, code, url="/auth/two-factor/setup")
    logged = repr([(event.event, event.detail) for event in _events(app)])
    assert key not in logged and code not in logged
