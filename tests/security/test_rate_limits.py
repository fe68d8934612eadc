"""Rate limits on the sign-in and code pages, switched on for one app without touching others
(the limiter is one object per process: marac/extensions.py)."""

import socket

import pytest

from marac import create_app
from marac.extensions import limiter
from models import User, db
from tests.helpers import csrf_from, sign_in


def _limited_app(database_url, **settings):
    settings = {
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "MFA_RATE_LIMIT": "2 per minute",
        **settings,
    }
    return create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings)


@pytest.fixture
def clean_limiter():
    """Counters of apps made for a test go with them; only Redis keeps them, so clear it after."""
    made = []
    yield made
    for each in made:
        with each.app_context():
            limiter.reset()


def _failed_sign_ins(client, count):
    statuses = []
    for _ in range(count):
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"email": "x@example.org", "password": "wrong", "csrf_token": token})
        statuses.append(response.status_code)
    return statuses


def test_sign_in_is_rate_limited_when_limits_are_on(database_url, clean_limiter):
    limited = _limited_app(database_url).test_client()
    assert _failed_sign_ins(limited, 4) == [200, 200, 200, 429]
    token = csrf_from(limited.get("/auth/login").get_data(as_text=True))
    page = limited.post("/auth/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "Too many requests" in page


def test_limits_on_for_one_app_stay_off_for_another(app, client, database_url, clean_limiter):
    limited = _limited_app(database_url).test_client()
    assert _failed_sign_ins(limited, 4)[-1] == 429
    # The test suite's own app (RATELIMIT_ENABLED = False) is not limited, before or after.
    assert 429 not in _failed_sign_ins(client, 6)
    assert app.config["MARAC_RATELIMIT_ENABLED"] is False
    # And an app made later, with limits off or on, neither switches them off for the first one
    # nor resets its counters.
    create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    assert _failed_sign_ins(_limited_app(database_url).test_client(), 1) == [200]
    assert _failed_sign_ins(limited, 1) == [429]


def test_the_code_page_is_rate_limited(app, database_url, make, clean_limiter):
    from marac.services import mfa

    person = make.user()
    with app.app_context():
        user = db.session.get(User, person.id)
        user.mfa_secret = mfa.new_secret()
        db.session.commit()
    limited = _limited_app(database_url, LOGIN_RATE_LIMIT="100 per minute").test_client()
    sign_in(limited, person.email)
    statuses = []
    for _ in range(3):
        token = csrf_from(limited.get("/auth/two-factor").get_data(as_text=True))
        statuses.append(limited.post("/auth/two-factor", data={"code": "123456", "csrf_token": token}).status_code)
    assert statuses == [200, 200, 429]


def _redis_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_counters_can_live_in_redis(database_url, clean_limiter):
    """Production keeps the counters in Redis (RATELIMIT_STORAGE_URI), shared by every worker:
    two apps (two workers) count together."""
    uri = "redis://127.0.0.1:6379/15"
    first_app = _limited_app(database_url, RATELIMIT_STORAGE_URI=uri)
    clean_limiter.append(first_app)
    with first_app.app_context():
        limiter.reset()
    first = first_app.test_client()
    assert _failed_sign_ins(first, 2) == [200, 200]
    second = _limited_app(database_url, RATELIMIT_STORAGE_URI=uri).test_client()
    assert _failed_sign_ins(second, 2) == [200, 429]
