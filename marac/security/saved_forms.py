"""A form posted after its session timed out: its answers are kept, and handed back once the same
user has signed in again (never a CSRF token or a password)."""

import secrets

import sqlalchemy as sa
from flask import current_app, request, session
from flask_wtf.csrf import CSRFError

from marac.extensions import csrf
from marac.security.sessions import hash_token
from models import PendingForm, db
from models.clock import utcnow


def posted_fields():
    """What a form sent, as [name, value] pairs in order, less its CSRF token and any password:
    those are never kept or sent back in a page."""
    return [
        [key, value] for key, value in request.form.items(multi=True) if key != "csrf_token" and "password" not in key
    ]


def keep_answers_for_after_sign_in(user_id):
    """A form posted after its session timed out: keep the answers for the same user."""
    try:
        csrf.protect()  # only answers the user's own page sent, not a forged post
    except CSRFError:
        return
    fields = posted_fields()
    if not fields:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PendingForm(token_hash=hash_token(token), user_id=user_id, path=request.path, fields=fields))
    db.session.commit()
    session["pending_form"] = token


def take_pending_form(user):
    """The answers kept for this user at sign-in, removed as they are handed back."""
    token = session.pop("pending_form", None)
    if not token:
        return None
    row = db.session.scalar(sa.select(PendingForm).filter_by(token_hash=hash_token(token)))
    if row is None:
        return None
    db.session.delete(row)
    db.session.commit()
    if row.user_id != user.id or utcnow() - row.created_at > current_app.config["SESSION_ABSOLUTE_TIMEOUT"]:
        return None
    return row
