"""Deny by default: every endpoint has a rule, anonymous visitors are sent to sign in, and each
role reaches exactly what the policy grants it."""

import pytest

from marac.security import ACCESS_POLICY, PUBLIC, SIGNED_IN, SIGNING_IN
from models import Role
from tests.helpers import sign_in

PUBLIC_ENDPOINTS = {"auth.login", "dashboard.healthz", "static"}


def _rules(app):
    """The pages a browser session reaches. The API (api.*) takes bearer tokens, not the session:
    its anonymous (401) and role-by-endpoint checks are in tests/api/test_access.py."""
    return [
        rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and not rule.endpoint.startswith("api.")
    ]


def _sample(rule, name):
    converter = rule._converters[name]
    return sorted(converter.items)[0] if hasattr(converter, "items") else 1


def _url(rule):
    return rule.build({name: _sample(rule, name) for name in rule.arguments}, append_unknown=False)[1]


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_endpoint_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS_POLICY.keys())
    assert not missing, f"endpoints without an access rule: {missing}"
    stale = sorted(ACCESS_POLICY.keys() - endpoints)
    assert not stale, f"access rules for endpoints that do not exist: {stale}"


def test_only_the_sign_in_page_health_check_and_assets_are_public():
    assert {endpoint for endpoint, rule in ACCESS_POLICY.items() if rule == PUBLIC} == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_else(app, client):
    checked = 0
    for rule in _rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code == 302, (rule.endpoint, method, response.status_code)
            assert response.headers["Location"].startswith("/auth/login"), rule.endpoint
            checked += 1
    assert checked >= 15


def test_public_endpoints_answer_without_sign_in(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/assets/marac.css").status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_role_by_endpoint_matrix(app, client, make, role):
    """Each role gets a 403 exactly where the policy does not name it."""
    person = make.user(role)
    sign_in(client, person.email)
    for rule in _rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint == "auth.logout":
            continue
        policy = ACCESS_POLICY[rule.endpoint]
        allowed = policy in (SIGNED_IN, SIGNING_IN) or role in policy
        method = "GET" if "GET" in rule.methods else "POST"
        status = client.open(_url(rule), method=method).status_code
        if allowed:
            assert status != 403, (role, rule.endpoint)
        else:
            assert status == 403, (role, rule.endpoint, status)


def test_a_refused_access_is_audited(app, client, make):
    from models import AuditEvent, db

    person = make.user(Role.AGENCY_REP)
    sign_in(client, person.email)
    assert client.get("/admin/users").status_code == 403
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(event="access.refused").one()
        assert event.user_id == person.id
        assert event.detail == {"endpoint": "admin.users"}
