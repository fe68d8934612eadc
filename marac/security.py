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
from marac.services import audit as audit_service
from marac.services.access import (
    ACTION_VIEWERS,
    CASE_AUDITORS,
    CASE_EDITORS,
    CASE_VIEWERS,
    CONFIDENTIAL_READERS,
    COORDINATORS,
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

ADMIN = frozenset({Role.ADMIN})

ACCESS_POLICY = {
    "static": PUBLIC,
    "dashboard.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
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
    "dashboard.notifications": SIGNED_IN,
    "dashboard.notifications_read": SIGNED_IN,
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
    return rule == SIGNED_IN or user.has_role(*rule)


def audit(event, **kwargs):
    """Record an audit event for the current user and request (see services.audit.record)."""
    user = current_user if current_user.is_authenticated else None
    audit_service.record(event, user=user, ip_address=request.remote_addr, **kwargs)


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user):
    """Sign a user in: a fresh cookie naming a new server-side session."""
    pending = session.get("pending_form")
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user=user,
            ip_address=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:200],
        )
    )
    session["sid"] = token
    if pending:
        session["pending_form"] = pending
    login_user(user)


def end_session(reason="signed_out"):
    row = g.get("user_session")
    if row is not None:
        row.ended_at = utcnow()
        row.end_reason = reason
    logout_user()
    session.clear()


def end_user_sessions(user, reason, *, keep_current=False):
    """End every open session of a user (password change, deactivation, an admin's request)."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    current = g.get("user_session")
    if keep_current and current is not None:
        query = query.where(UserSession.id != current.id)
    db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))


@login_manager.user_loader
def load_user(user_id):
    """Flask-Login asks for the user named by the cookie: only a live server-side session counts."""
    token = session.get("sid")
    if not token:
        return None
    row = db.session.scalar(
        sa.select(UserSession).options(joinedload(UserSession.user)).filter_by(token_hash=_token_hash(token))
    )
    if row is None or str(row.user_id) != user_id:
        return None
    config = current_app.config
    now = utcnow()
    if row.ended_at is None:
        if now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
            row.ended_at, row.end_reason = now, "idle"
        elif now - row.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
            row.ended_at, row.end_reason = now, "absolute"
        elif not row.user.is_active:
            row.ended_at, row.end_reason = now, "deactivated"
        if row.ended_at is not None:
            db.session.commit()
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


def enforce_access():
    """before_request: the one gate every request passes."""
    endpoint = request.endpoint
    if endpoint is None:  # no such URL or method: the 404/405 handlers answer
        return None
    rule = ACCESS_POLICY.get(endpoint)
    if rule == PUBLIC:
        return None
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
