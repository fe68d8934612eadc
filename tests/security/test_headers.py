import pytest

from marac import create_app
from tests.helpers import sign_in


def _assert_strict_headers(response):
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/auth/login", "/healthz", "/no-such-page", "/assets/marac.css"])
def test_every_response_has_the_security_headers(client, path):
    _assert_strict_headers(client.get(path))


def test_signed_in_pages_are_never_cached(client, make):
    person = make.user()
    sign_in(client, person.email)
    response = client.get("/")
    _assert_strict_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inline_bootstrap_script_carries_the_nonce_from_the_header(client):
    response = client.get("/auth/login")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)


def test_hsts_only_under_production(client, database_url):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    production = create_app("production", SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI=database_url, ALLOW_SQLITE=True)
    assert "max-age=" in production.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_pages_load_nothing_from_another_host(client, make):
    person = make.user()
    sign_in(client, person.email)
    for path in ("/auth/login", "/"):
        html = client.get(path).get_data(as_text=True)
        assert 'src="http' not in html and 'href="http' not in html and "//" not in html.replace("://", "")


def test_every_route_sends_the_security_headers(app, estate):
    """Walking app.url_map, signed in with every role and signed out: whatever the answer (a page,
    a PDF, a redirect, a refusal, not found), the headers are there."""
    from tests.security.estate import home_values
    from tests.security.routes import rules, urls_of

    values = home_values(estate)
    signed_in, anonymous = app.test_client(), app.test_client()
    sign_in(signed_in, estate.users.everything.email)
    statuses = set()
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        for url in urls_of(rule, **values):
            for client in (signed_in, anonymous):
                response = client.get(url)
                statuses.add(response.status_code)
                _assert_strict_headers(response)
                assert response.headers["Cache-Control"] == "no-store", (rule.endpoint, response.status_code)
    assert {200, 302} <= statuses


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429, 500])
def test_error_pages_send_the_security_headers(database_url, monkeypatch, status):
    from flask import abort

    from marac.security import ACCESS_POLICY, PUBLIC

    # A fresh app, not in testing mode, so that a crash is answered by the 500 page as in production.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def fail():
        if status == 500:
            raise RuntimeError("boom")
        abort(status)

    app.add_url_rule("/_test/error", "_test_error", fail)
    monkeypatch.setitem(ACCESS_POLICY, "_test_error", PUBLIC)
    response = app.test_client().get("/_test/error")
    assert response.status_code == status
    _assert_strict_headers(response)
    assert "boom" not in response.get_data(as_text=True)
