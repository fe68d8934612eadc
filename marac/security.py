"""Who may do what: the access policy, server-side sessions, security headers.

Deny by default: every endpoint must appear in ACCESS_POLICY, and a test walks the URL map to
make sure none is missing. Record-level rules (which cases, which actions) live in the services.
"""

import hashlib
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from marac.extensions import csrf, login_manager
from marac.services import api_tokens
from marac.services import audit as audit_service
from marac.services.access import (
    ACTION_VIEWERS,
    CASE_AUDITORS,
    CASE_EDITORS,
    CASE_VIEWERS,
    CONFIDENTIAL_READERS,
    COORDINATORS,
    IDVA_MANAGERS,
    IDVA_WORKERS,
    MEETING_RUNNERS,
    MEETING_VIEWERS,
    REFERRERS,
    REPORT_VIEWERS,
    RESEARCHERS,
    RISK_ASSESSORS,
)
from models import PendingForm, Role, UserSession, db
from models.base import utcnow

PUBLIC = "public"  # no sign-in needed
SIGNED_IN = "signed in"  # any signed-in user
# Any signed-in user, and also someone half signed in: right password, second factor to come.
# Only the two-factor pages and sign-out.
SIGNING_IN = "signing in"

ADMIN = frozenset({Role.ADMIN})

ACCESS_POLICY = {
    "static": PUBLIC,
    "dashboard.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNING_IN,
    "auth.mfa_verify": SIGNING_IN,
    "auth.mfa_recovery": SIGNING_IN,
    "auth.mfa_enrol": SIGNING_IN,
    "auth.mfa_settings": SIGNED_IN,
    "admin.user_reset_mfa": ADMIN,
    "admin.retention_list": COORDINATORS,
    "admin.retention_decide": COORDINATORS,
    "admin.legal_hold_place": COORDINATORS,
    "admin.legal_hold_lift": COORDINATORS,
    "auth.change_password": SIGNED_IN,
    "auth.resume_form": SIGNED_IN,
    "dashboard.index": SIGNED_IN,
    "admin.index": ADMIN,
    "admin.areas": ADMIN,
    "admin.area_new": ADMIN,
    "admin.area_edit": ADMIN,
    "admin.agencies": ADMIN,
    "admin.agency_new": ADMIN,
    "admin.agency_edit": ADMIN,
    "admin.users": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.user_reset_password": ADMIN,
    "admin.user_end_sessions": ADMIN,
    "admin.audit_log": ADMIN,
    "people.case_list": CASE_VIEWERS,
    "people.case_new": CASE_EDITORS,
    "people.case_overview": CASE_VIEWERS,
    "people.case_notes": CASE_EDITORS,
    "people.person_edit": CASE_EDITORS,
    "people.perpetrator_add": CASE_EDITORS,
    "people.child_add": CASE_EDITORS,
    "people.address_reveal": CONFIDENTIAL_READERS,
    "people.case_risk": CASE_VIEWERS,
    "people.assessment_new": RISK_ASSESSORS,
    "people.assessment_view": CASE_VIEWERS,
    "people.other_tool_new": RISK_ASSESSORS,
    "people.case_tab": CASE_VIEWERS,
    "people.case_audit": CASE_AUDITORS,
    "people.person_search": CASE_VIEWERS,
    "referrals.referral_list": REFERRERS,
    "referrals.referral_new": REFERRERS,
    "referrals.referral_edit": REFERRERS,
    "referrals.referral_match": REFERRERS,
    "referrals.referral_dash": REFERRERS,
    "referrals.referral_check": REFERRERS,
    "referrals.referral_view": REFERRERS,
    "referrals.referral_decide": COORDINATORS,
    "referrals.referral_reply": REFERRERS,
    "referrals.twelve_months": COORDINATORS,
    "meetings.meeting_list": MEETING_VIEWERS,
    "meetings.schedule": COORDINATORS,
    "meetings.meeting_view": MEETING_VIEWERS,
    "meetings.build_list": COORDINATORS,
    "meetings.move_item": COORDINATORS,
    "meetings.add_case": COORDINATORS,
    "meetings.remove_item": COORDINATORS,
    "meetings.set_minutes": COORDINATORS,
    "meetings.publish": COORDINATORS,
    "meetings.research_grid": MEETING_RUNNERS,
    "meetings.research_answer": RESEARCHERS,
    "meetings.attendance": MEETING_RUNNERS,
    "meetings.run_item": MEETING_RUNNERS,
    "meetings.add_action": MEETING_RUNNERS,
    "meetings.mark_held": MEETING_RUNNERS,
    "meetings.approve": frozenset({Role.CHAIR}),
    "meetings.send_minutes": COORDINATORS,
    "meetings.case_list_pdf": MEETING_VIEWERS,
    "meetings.minutes_pdf": MEETING_RUNNERS,
    "meetings.agency_actions_pdf": MEETING_VIEWERS,
    "meetings.calendar": MEETING_VIEWERS,
    "actions.action_list": ACTION_VIEWERS,
    "actions.overview": COORDINATORS,
    "actions.action_view": ACTION_VIEWERS,
    "reports.index": REPORT_VIEWERS,
    "reports.data_return": REPORT_VIEWERS,
    "reports.data_return_csv": REPORT_VIEWERS,
    "reports.data_return_pdf": REPORT_VIEWERS,
    "caseload.caseload_list": IDVA_WORKERS,
    "caseload.team": IDVA_MANAGERS,
    "caseload.allocate": IDVA_MANAGERS,
    "caseload.contact_new": IDVA_WORKERS,
    "caseload.safety_plan": IDVA_WORKERS,
    "caseload.intake": IDVA_WORKERS,
    "caseload.onward_referral_new": IDVA_WORKERS,
    "caseload.close": IDVA_WORKERS,
    "caseload.task_done": IDVA_WORKERS,
    "caseload.idva_fte": IDVA_MANAGERS,
    "dashboard.notifications": SIGNED_IN,
    "dashboard.notifications_read": SIGNED_IN,
    # Partner systems' API tokens (marac/api/token_pages.py): a user's own tokens.
    "api_tokens.token_list": SIGNED_IN,
    "api_tokens.token_revoke": SIGNED_IN,
    # The partner systems' API (/api/v1, marac/api): a bearer token with the endpoint's scope,
    # and the same roles as the web pages. See enforce_api_access.
    "api.referral_create": REFERRERS,
    "api.referral_list": REFERRERS,
    "api.referral_view": REFERRERS,
    "api.meeting_list": MEETING_VIEWERS,
    "api.meeting_view": MEETING_VIEWERS,
    "api.action_list": ACTION_VIEWERS,
    "api.action_view": ACTION_VIEWERS,
    "api.action_status": ACTION_VIEWERS,
    "api.quarterly_stats": frozenset({Role.COORDINATOR, Role.STEERING, Role.IDVA_MANAGER}),  # as the reports
    "api.openapi_document": SIGNED_IN,
}

# Pages a user who must change their password can still reach.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "dashboard.healthz"}

# Only refresh last_seen_at this often, so that reading a page is not a write every time.
LAST_SEEN_RESOLUTION_SECONDS = 60


def is_allowed(user, endpoint):
    rule = ACCESS_POLICY.get(endpoint)
    if rule == PUBLIC:
        return True
    if rule is None or not user.is_authenticated:
        return False
    return rule in (SIGNED_IN, SIGNING_IN) or user.has_role(*rule)


def audit(event, *, as_user=None, **kwargs):
    """Record an audit event for the current user and request (see services.audit.record).
    `as_user`: someone not (yet) signed in, such as a user half way through signing in."""
    user = as_user or (current_user if current_user.is_authenticated else None)
    audit_service.record(event, user=user, ip_address=request.remote_addr, **kwargs)


# Why a document is being downloaded (?reason=CODE on an export's address), kept in its audit
# event. Codes only: the address is logged by proxies, so it never carries free text. Optional
# for now; a page that asks for it can make it required later.
EXPORT_REASONS = {
    "meeting": "Preparing for or taking part in the meeting",
    "actions": "Carrying out our agency's actions",
    "safeguarding": "A safeguarding referral",
    "legal": "Court or other legal proceedings",
    "statutory_return": "A statutory data return",
    "other": "Another reason",
}


def export_reason():
    """{"reason": code} for the audit event of a download, or {} when none (or an unknown one) was given."""
    code = request.args.get("reason", "")
    return {"reason": code} if code in EXPORT_REASONS else {}


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


# What a sign-in keeps of the session it replaces.
_KEPT_AT_SIGN_IN = ("pending_form", "after_sign_in")


def _fresh_cookie(row):
    """A new random token for a server-side session row, in a cleared cookie."""
    kept = {key: session[key] for key in _KEPT_AT_SIGN_IN if key in session}
    session.clear()
    token = secrets.token_urlsafe(32)
    row.token_hash = _token_hash(token)
    session["sid"] = token
    session.update(kept)


def start_session(user, *, mfa_stage=None):
    """Sign a user in: a fresh cookie naming a new server-side session.

    With `mfa_stage` ("verify" or "enrol") the password was right but the second factor is still
    to come: the session is only half signed in (see `pending_sign_in`) until
    `complete_sign_in`.
    """
    earlier = pending_sign_in()
    if earlier is not None:
        earlier.ended_at, earlier.end_reason = utcnow(), "replaced"
    row = UserSession(
        user=user,
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:200],
        mfa_stage=mfa_stage,
    )
    _fresh_cookie(row)
    db.session.add(row)
    if mfa_stage is None:
        login_user(user)
    else:
        g.pending_session = row
    return row


def complete_sign_in(row):
    """The second factor is done: the half-signed-in session becomes a signed-in one, under a
    new token (the cookie from before the second factor is worth nothing after it)."""
    now = utcnow()
    row.mfa_stage = None
    row.mfa_pending_secret = None
    row.created_at = row.last_seen_at = now
    _fresh_cookie(row)
    g.pending_session = None
    g.user_session = row
    login_user(row.user)


def pending_sign_in():
    """The half-signed-in session this request's cookie names, if it is still live, else None."""
    if "pending_session" in g:
        return g.pending_session
    g.pending_session = None
    token = session.get("sid")
    if not token:
        return None
    row = db.session.scalar(
        sa.select(UserSession).filter_by(token_hash=_token_hash(token)).where(UserSession.mfa_stage.is_not(None))
    )
    if row is None or row.ended_at is not None:
        return None
    if utcnow() - row.created_at > current_app.config["MFA_PENDING_TIMEOUT"] or not row.user.is_active:
        _end_if_open(row, "mfa_timeout")
        return None
    g.pending_session = row
    return row


def _end_if_open(row, reason):
    """End a session that has timed out, unless another request ended it first (a sign-out in
    another tab keeps its reason): a page may have read the row before that request committed."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(row)


def end_session(reason="signed_out"):
    row = g.get("user_session") or g.get("pending_session")
    if row is not None:
        row.ended_at = utcnow()
        row.end_reason = reason
    logout_user()
    session.clear()


# When an administrator ends someone's access, their API tokens go too; a user changing their
# own password keeps the tokens their partner systems use.
REVOKES_API_TOKENS = frozenset({"deactivated", "password_reset", "ended_by_admin"})


def end_user_sessions(user, reason, *, keep_current=False):
    """End every open session of a user (password change, deactivation, an admin's request)."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    current = g.get("user_session")
    if keep_current and current is not None:
        query = query.where(UserSession.id != current.id)
    db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))
    if reason in REVOKES_API_TOKENS:
        api_tokens.revoke_all(user.id, reason)


@login_manager.user_loader
def load_user(user_id):
    """Flask-Login asks for the user named by the cookie: only a live server-side session counts."""
    token = session.get("sid")
    if not token:
        return None
    row = db.session.scalar(
        # An inner join: an outer one wraps the user and their agency in a nested join, which
        # SQLite builds for every user before it finds the one session.
        sa.select(UserSession)
        .options(joinedload(UserSession.user, innerjoin=True))
        .filter_by(token_hash=_token_hash(token))
    )
    if row is None or str(row.user_id) != user_id or row.mfa_stage is not None:
        return None
    config = current_app.config
    now = utcnow()
    if row.ended_at is None:
        if now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
            _end_if_open(row, "idle")
        elif now - row.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
            _end_if_open(row, "absolute")
        elif not row.user.is_active:
            _end_if_open(row, "deactivated")
    if row.ended_at is not None:
        if row.end_reason in ("idle", "absolute"):
            g.timed_out_user_id = row.user_id
        return None
    if (now - row.last_seen_at).total_seconds() > LAST_SEEN_RESOLUTION_SECONDS:
        row.last_seen_at = now
        db.session.commit()
    g.user_session = row
    return row.user


def safe_next_url(target):
    """Only a path on this site, never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def posted_fields():
    """What a form sent, as [name, value] pairs in order, less its CSRF token and any password:
    those are never kept or sent back in a page."""
    return [
        [key, value] for key, value in request.form.items(multi=True) if key != "csrf_token" and "password" not in key
    ]


def _keep_answers_for_after_sign_in(user_id):
    """A form posted after its session timed out: keep the answers for the same user."""
    try:
        csrf.protect()  # only answers the user's own page sent, not a forged post
    except CSRFError:
        return
    fields = posted_fields()
    if not fields:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PendingForm(token_hash=_token_hash(token), user_id=user_id, path=request.path, fields=fields))
    db.session.commit()
    session["pending_form"] = token


def take_pending_form(user):
    """The answers kept for this user at sign-in, removed as they are handed back."""
    token = session.pop("pending_form", None)
    if not token:
        return None
    row = db.session.scalar(sa.select(PendingForm).filter_by(token_hash=_token_hash(token)))
    if row is None:
        return None
    db.session.delete(row)
    db.session.commit()
    if row.user_id != user.id or utcnow() - row.created_at > current_app.config["SESSION_ABSOLUTE_TIMEOUT"]:
        return None
    return row


API_PATH_PREFIX = "/api/"


def enforce_api_access():
    """The gate for the partner systems' API (/api/...), in place of the sign-in one below.

    A bearer token, never the session cookie (so the API needs no CSRF token): 401 without a
    usable one (missing, unknown, expired, revoked, or its user deactivated); 403, audited, when
    the endpoint's scope (set by marac.api.openapi.operation) is not one of the token's or the
    user's role is not in ACCESS_POLICY. Answers are problem+json.
    """
    from marac.api import problems  # late: marac.api imports this module
    from marac.api.openapi import ANY_TOKEN
    from marac.services import api_tokens

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
                _keep_answers_for_after_sign_in(timed_out_user_id)
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


def set_security_headers(response):
    """after_request: the same strict headers on every response."""
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if current_app.config["HSTS"]:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        # Case data must never sit in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def make_csp_nonce():
    g.csp_nonce = secrets.token_urlsafe(16)
