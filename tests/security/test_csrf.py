"""CSRF: the protection is on, and every POST route refuses a request without a valid token
(walking app.url_map), changing nothing in the database."""

import sqlalchemy as sa

from models import db
from tests.helpers import csrf_from, sign_in
from tests.security.estate import home_values
from tests.security.routes import rules, urls_of

# The JSON API authenticates each request with a bearer token, not a cookie: a forged
# cross-site request carries no credential, so it has no CSRF token to check.
TOKEN_AUTHENTICATED = ("api.",)


def _post_routes(app):
    return [rule for rule in rules(app) if "POST" in rule.methods and not rule.endpoint.startswith(TOKEN_AUTHENTICATED)]


def _row_counts():
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_csrf_protection_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config["WTF_CSRF_SSL_STRICT"] is True


def test_every_post_route_refuses_a_missing_or_forged_token(app, estate):
    client = app.test_client()
    sign_in(client, estate.users.everything.email)
    other = app.test_client()
    sign_in(other, estate.users.coordinator.email)
    foreign_token = csrf_from(other.get("/auth/password").get_data(as_text=True))
    values = home_values(estate)
    with app.app_context():
        before = _row_counts()
    checked = []
    for rule in _post_routes(app):
        for url in urls_of(rule, **values):
            for data in (
                {"name": "x"},
                {"name": "x", "csrf_token": "forged"},
                {"name": "x", "csrf_token": foreign_token},
                {},
            ):
                response = client.post(url, data=data)
                if data:
                    # Typed answers are offered back to send again; nothing is done.
                    assert response.status_code == 400, (rule.endpoint, data, response.status_code)
                else:
                    # A bare button: "That page had expired, so nothing was done."
                    assert response.status_code in (302, 400), (rule.endpoint, response.status_code)
                    if response.status_code == 302:
                        assert response.headers["Location"] == "/", rule.endpoint
            checked.append(rule.endpoint)
    assert len(set(checked)) >= 25, sorted(set(checked))
    with app.app_context():
        after = _row_counts()
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    # Only the audit log may grow (refusals are audited); nothing else was created or removed.
    assert set(changed) <= {"audit_events"}, changed


def test_signing_in_needs_a_token_too(app, client, make):
    person = make.user()
    response = client.post("/auth/login", data={"email": person.email, "password": person.password})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
