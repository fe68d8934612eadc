"""The API's deny-by-default gate: every endpoint has a scope and an access rule; without a token
everything is 401; with one, each role gets a 403 exactly where the policy does not name it."""

import pytest

from marac.api.openapi import ANY_TOKEN
from marac.security import ACCESS_POLICY, SIGNED_IN
from marac.services import api_tokens
from models import ApiScope, Role, User, db
from tests.api.conftest import Api
from tests.security.test_access_policy import _methods, _url


def _api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]


def test_every_api_endpoint_needs_a_scope_and_has_an_access_rule(app):
    for rule in _api_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "api_scope", None) in (*ApiScope.ALL, ANY_TOKEN), rule.endpoint
        assert rule.endpoint in ACCESS_POLICY, rule.endpoint


def test_without_a_token_every_api_endpoint_is_401(app, client):
    checked = 0
    for rule in _api_rules(app):
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code == 401, (rule.endpoint, method, response.status_code)
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("role", list(Role))
def test_role_by_api_endpoint_matrix(app, make, role):
    """A token with every scope: the user's role alone decides, as on the web pages."""
    person = make.user(role)
    with app.app_context():
        user = db.session.get(User, person.id)
        _token, secret = api_tokens.issue(user, name="Matrix", scopes=ApiScope.ALL, days=1)
        db.session.commit()
    api = Api(app.test_client(), secret)
    for rule in _api_rules(app):
        policy = ACCESS_POLICY[rule.endpoint]
        allowed = policy == SIGNED_IN or role in policy
        method = "GET" if "GET" in rule.methods else "POST"
        response = api.get(_url(rule)) if method == "GET" else api.post(_url(rule), json={})
        if allowed:
            assert response.status_code not in (401, 403), (role, rule.endpoint, response.status_code)
        else:
            assert response.status_code == 403, (role, rule.endpoint, response.status_code)
