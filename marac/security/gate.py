"""The one gate every request passes (before_request): the API's own gate for /api/..., else
sign-in, the second factor, a password to change, and the access policy."""

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import current_user

from marac.api.gate import API_PATH_PREFIX, enforce_api_access
from marac.security.auditing import audit
from marac.security.policy import ACCESS_POLICY, PASSWORD_CHANGE_ALLOWED, PUBLIC, SIGNING_IN, is_allowed
from marac.security.saved_forms import keep_answers_for_after_sign_in
from marac.security.sessions import pending_sign_in
from models import db


def enforce_access():
    """before_request: the one gate every request passes."""
    if request.path.startswith(API_PATH_PREFIX):
        return enforce_api_access()
    endpoint = request.endpoint
    if endpoint is None:  # no such URL or method: the 404/405 handlers answer
        return None
    rule = ACCESS_POLICY.get(endpoint)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated and (pending := pending_sign_in()) is not None:
        # Half signed in: the two-factor pages and sign-out, nothing else.
        if rule == SIGNING_IN:
            return None
        return redirect(url_for("auth.mfa_enrol" if pending.mfa_stage == "enrol" else "auth.mfa_verify"))
    if not current_user.is_authenticated:
        timed_out_user_id = g.get("timed_out_user_id")
        if timed_out_user_id:
            if request.method == "POST":
                keep_answers_for_after_sign_in(timed_out_user_id)
                flash("You were signed out because you were inactive. Sign in again and your answers will be kept.")
            else:
                flash("You were signed out because you were inactive. Sign in again to continue.")
            session.pop("sid", None)
        next_url = request.full_path if request.method == "GET" else request.path
        return redirect(url_for("auth.login", next=next_url.rstrip("?")))
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ALLOWED:
        return redirect(url_for("auth.change_password"))
    if not is_allowed(current_user, endpoint):
        audit("access.refused", endpoint=endpoint)
        db.session.commit()
        abort(403)
    return None
