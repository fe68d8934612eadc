"""Server-side sessions: signing in (and half signed in, before the second factor), signing out,
ending a user's sessions, and Flask-Login's user loader, which only counts a live session."""

import hashlib
import re
import secrets

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from marac.extensions import login_manager
from marac.services import api_tokens
from models import UserSession, db
from models.clock import utcnow

# Only refresh last_seen_at this often, so that reading a page is not a write every time.
LAST_SEEN_RESOLUTION_SECONDS = 60


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


# What a sign-in keeps of the session it replaces.
_KEPT_AT_SIGN_IN = ("pending_form", "after_sign_in")


def _fresh_cookie(row):
    """A new random token for a server-side session row, in a cleared cookie."""
    kept = {key: session[key] for key in _KEPT_AT_SIGN_IN if key in session}
    session.clear()
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
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


def reissue_session():
    """This browser's session under a new token (after a password change): any copy of the
    cookie it had, on a shared PC or in someone else's hands, is worth nothing."""
    row = g.user_session
    _fresh_cookie(row)
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
        sa.select(UserSession).filter_by(token_hash=hash_token(token)).where(UserSession.mfa_stage.is_not(None))
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
        .filter_by(token_hash=hash_token(token))
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


# A path on this site, perhaps with a query: "/" then printable ASCII that a URL may carry, and
# no second "/" or backslash at the start. Browsers drop tabs and line breaks and read a backslash
# as "/", so "/<tab>/evil.example" and "/<backslash>evil.example" lead to another host; a line
# break in a Location header splits the response. Anything else is refused.
PLAIN_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*")


def safe_next_url(target):
    """Where to go after signing in: a plain path on this site (see PLAIN_PATH), else None."""
    if not isinstance(target, str) or not PLAIN_PATH.fullmatch(target):
        return None
    return target
