"""The gate for the partner systems' API (/api/...): the main gate (marac/security/gate.py) hands
API requests here instead of to sign-in."""

from flask import current_app, g, request

from marac.api import problems
from marac.api.openapi import ANY_TOKEN
from marac.extensions import login_manager
from marac.security.auditing import audit
from marac.security.policy import is_allowed
from marac.services import api_tokens
from marac.services import audit as audit_service
from models import db

API_PATH_PREFIX = "/api/"


def enforce_api_access():
    """The gate for the partner systems' API (/api/...), in place of the sign-in one.

    A bearer token, never the session cookie (so the API needs no CSRF token): 401 without a
    usable one (missing, unknown, expired, revoked, or its user deactivated); 403, audited, when
    the endpoint's scope (set by marac.api.openapi.operation) is not one of the token's or the
    user's role is not in ACCESS_POLICY. Answers are problem+json.
    """
    checked = api_tokens.authenticate(request.headers.get("Authorization"))
    if checked.refused:
        if checked.token is not None:  # a real token that can no longer be used
            audit_service.record(
                "api.token_refused",
                user=checked.token.user,
                ip_address=request.remote_addr,
                record_type="api_token",
                record_id=checked.token.id,
                reason=checked.refused,
            )
            db.session.commit()
        return problems.unauthorized()
    token = checked.token
    if token in db.session.dirty:  # last_used_at
        db.session.commit()
    g.api_token = token
    login_manager._update_request_context_with_user(token.user)  # this request only; no cookie
    endpoint = request.endpoint
    if endpoint is None:  # no such URL or method
        return problems.from_http_exception(request.routing_exception)
    scope = getattr(current_app.view_functions[endpoint], "api_scope", None)
    in_scope = scope == ANY_TOKEN or (scope is not None and scope in token.scopes)
    if not in_scope or not is_allowed(token.user, endpoint):
        audit("access.refused", endpoint=endpoint, via="api", token_id=token.id)
        db.session.commit()
        return problems.forbidden()
    return None
