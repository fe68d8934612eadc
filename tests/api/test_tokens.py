"""API tokens: issued from the profile page or the command line, shown once, kept hashed; refused
when missing, unknown, expired or revoked (401), outside their scopes or the user's role (403)."""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import ApiToken, AuditEvent, Role, User, db
from models.clock import utcnow
from tests.api.conftest import Api
from tests.helpers import csrf_from, sign_in

PROBLEM = "application/problem+json"
TOKEN = re.compile(r"marac_[A-Za-z0-9_-]{43}")


def _events(app, name):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).filter_by(event=name).order_by(AuditEvent.id)).all()


def _create_on_page(client, **fields):
    page = client.get("/auth/tokens").get_data(as_text=True)
    data = {
        "name": "Police case system",
        "scopes": ["referrals:write", "referrals:read"],
        "days": "30",
        "current_password": "correct horse battery staple",
        "csrf_token": csrf_from(page),
        **fields,
    }
    return client.post("/auth/tokens", data=data)


def test_a_token_is_made_on_the_profile_page_shown_once_and_kept_hashed(app, client, demo):
    sign_in(client, "police@example.org")
    response = _create_on_page(client)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = TOKEN.search(html).group(0)
    assert "it will not be shown again" in html
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.scopes == ["referrals:write", "referrals:read"]
        assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    again = client.get("/auth/tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again
    assert Api(app.test_client(), secret).get("/api/v1/referrals").status_code == 200
    assert _events(app, "api.token_created")[0].detail["scopes"] == ["referrals:write", "referrals:read"]


def test_the_page_asks_for_the_password_and_a_csrf_token(app, client, demo):
    sign_in(client, "police@example.org")
    wrong = _create_on_page(client, current_password="not my password")
    assert wrong.status_code == 400 and "Your password is not correct" in wrong.get_data(as_text=True)
    too_long = _create_on_page(client, days="400")
    assert "A token can last from 1 to 365 days" in too_long.get_data(as_text=True)
    forged = client.post("/auth/tokens", data={"name": "x", "scopes": ["referrals:read"], "days": "5"})
    assert forged.status_code == 400
    unusable = _create_on_page(client, scopes=["stats:read"])  # not a police officer's
    assert unusable.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_each_role_is_offered_only_the_scopes_it_can_use(client, demo):
    sign_in(client, "steering@example.org")
    html = client.get("/auth/tokens").get_data(as_text=True)
    assert 'value="stats:read"' in html and 'value="referrals:read"' not in html
    admin = client.application.test_client()
    sign_in(admin, "admin@example.org")
    assert "Your role has no use for an API token" in admin.get("/auth/tokens").get_data(as_text=True)


def test_revoking_on_the_page_stops_the_token(app, client, demo):
    sign_in(client, "police@example.org")
    secret = TOKEN.search(_create_on_page(client).get_data(as_text=True)).group(0)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 302
    refused = Api(app.test_client(), secret).get("/api/v1/referrals")
    assert refused.status_code == 401 and refused.mimetype == PROBLEM
    assert _events(app, "api.token_refused")[0].detail == {"reason": "revoked"}
    # Another user cannot revoke it, or learn that it exists.
    other = app.test_client()
    sign_in(other, "housing@example.org")
    other_page = other.get("/auth/tokens").get_data(as_text=True)
    assert other.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(other_page)}).status_code == 404


def test_create_token_on_the_command_line_prints_it_once(app, runner, demo):
    result = runner.invoke(
        args=["marac", "create-token", "--email", "Police@Example.org", "--scope", "referrals:read", "--days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert TOKEN.fullmatch(secret)
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and token.scopes == ["referrals:read"]
        assert token.expires_at - utcnow() <= timedelta(days=7)
    assert Api(app.test_client(), secret).get("/api/v1/referrals").status_code == 200
    assert _events(app, "api.token_created")[0].detail["via"] == "cli"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.org", "--scope", "referrals:read"], "no active user"),
        (["--email", "police@example.org", "--scope", "stats:read"], "cannot use: stats:read"),
        (["--email", "police@example.org", "--scope", "everything"], "Invalid value"),
        (["--email", "police@example.org", "--scope", "referrals:read", "--days", "366"], "at most 365 days"),
    ],
)
def test_create_token_refuses_what_cannot_work(app, runner, demo, args, message):
    result = runner.invoke(args=["marac", "create-token", *args])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Basic cG9saWNlOnBhc3N3b3Jk", "Bearer marac_" + "x" * 43, "Bearer not-a-token"],
)
def test_no_usable_token_is_401_everywhere(app, client, demo, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    for path in ("/api/v1/referrals", "/api/v1/openapi.json", "/api/v1/no-such-thing"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401 and response.mimetype == PROBLEM, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/v1/referrals", json={}, headers=headers).status_code == 401


def test_an_expired_token_is_refused_and_audited(app, token):
    issued = token("police@example.org", "referrals:read", days=1)
    api = Api(app.test_client(), issued.secret)
    assert api.get("/api/v1/referrals").status_code == 200
    with app.app_context():
        db.session.get(ApiToken, issued.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = api.get("/api/v1/referrals")
    assert response.status_code == 401 and response.get_json()["status"] == 401
    (event,) = _events(app, "api.token_refused")
    assert (event.record_type, event.record_id, event.detail) == ("api_token", issued.id, {"reason": "expired"})


def test_a_deactivated_users_tokens_stop_working(app, token):
    issued = token("police@example.org", "referrals:read")
    with app.app_context():
        db.session.get(User, issued.user_id).is_active = False
        db.session.commit()
    assert Api(app.test_client(), issued.secret).get("/api/v1/referrals").status_code == 401


def test_outside_the_tokens_scopes_is_403_and_audited(app, token):
    issued = token("police@example.org", "referrals:read")
    api = Api(app.test_client(), issued.secret)
    for method, path in [("post", "/api/v1/referrals"), ("get", "/api/v1/actions"), ("get", "/api/v1/meetings/1")]:
        response = getattr(api, method)(path)
        assert response.status_code == 403 and response.mimetype == PROBLEM, path
    events = _events(app, "access.refused")
    assert [event.detail["endpoint"] for event in events] == [
        "api.referral_create",
        "api.action_list",
        "api.meeting_view",
    ]
    assert {(event.detail["via"], event.detail["token_id"]) for event in events} == {("api", issued.id)}


def test_the_users_role_still_decides(app, token):
    """A token keeps its scopes, but the user's roles are checked on every request."""
    issued = token("police@example.org", "referrals:read")
    api = Api(app.test_client(), issued.secret)
    assert api.get("/api/v1/referrals").status_code == 200
    with app.app_context():
        db.session.get(User, issued.user_id).roles = [Role.STEERING]
        db.session.commit()
    assert api.get("/api/v1/referrals").status_code == 403


def test_the_session_cookie_is_not_an_api_credential(app, client, demo):
    sign_in(client, "police@example.org")
    assert client.get("/referrals").status_code == 200
    response = client.get("/api/v1/referrals")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_an_api_answer_sets_no_cookie(app, token):
    response = Api(app.test_client(), token("police@example.org", "referrals:read").secret).get("/api/v1/referrals")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_requests_are_rate_limited_per_token(app, token, monkeypatch):
    from marac.extensions import limiter

    monkeypatch.setitem(app.config, "MARAC_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    monkeypatch.setattr(limiter, "enabled", True)
    first, second = (token("police@example.org", "referrals:read").secret for _ in range(2))
    api = Api(app.test_client(), first)
    assert [api.get("/api/v1/referrals").status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = api.get("/api/v1/referrals")
    assert limited.mimetype == PROBLEM and limited.get_json()["status"] == 429
    assert Api(app.test_client(), second).get("/api/v1/referrals").status_code == 200


def test_reloading_the_page_that_showed_a_new_token_does_not_show_it_again(app, client, demo):
    """A reload of the answer to the form sends the form again (the browser asks first): it makes
    no second token, and shows no secret, only the list."""
    sign_in(client, "police@example.org")
    page = client.get("/auth/tokens").get_data(as_text=True)
    data = {
        "name": "Police case system",
        "scopes": ["referrals:read"],
        "days": "30",
        "current_password": "correct horse battery staple",
        "csrf_token": csrf_from(page),
        "form_token": re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1),
    }
    first = client.post("/auth/tokens", data=data)
    assert first.status_code == 200 and TOKEN.search(first.get_data(as_text=True))
    reloaded = client.post("/auth/tokens", data=data, follow_redirects=True)
    assert reloaded.status_code == 200 and TOKEN.search(reloaded.get_data(as_text=True)) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1
