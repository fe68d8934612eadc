"""API tokens for partner systems, and the idempotency keys of their POSTs.

A token is `marac_` and 43 random URL-safe characters (32 bytes). It is shown once, when it is
made; only its SHA-256 is kept. It belongs to one user and carries scopes: a request needs the
scope of the endpoint AND the user's role (the same access policy as the web pages).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from models import ApiScope, ApiToken, IdempotencyKey, User, db
from models.clock import utcnow

TOKEN_PREFIX = "marac_"  # noqa: S105 (not a secret: every token starts so)
SHOWN_PREFIX_CHARS = 12  # "marac_" and 6 random characters: enough to tell tokens apart
# Refresh last_used_at at most this often, so that a busy token is not a write per request.
LAST_USED_RESOLUTION_SECONDS = 60
NAME_MAX = 100


def hash_token(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user, *, name, scopes, days, now=None):
    """A new token for `user`: (ApiToken row, the secret to show once)."""
    now = now or utcnow()
    unknown = set(scopes) - set(ApiScope.ALL)
    if unknown:
        raise ValueError(f"Unknown scopes: {', '.join(sorted(unknown))}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:NAME_MAX],
        token_hash=hash_token(secret),
        prefix=secret[:SHOWN_PREFIX_CHARS],
        scopes=[scope for scope in ApiScope.ALL if scope in set(scopes)],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


@dataclass(frozen=True)
class Authentication:
    token: ApiToken | None
    # Why there is no usable token: missing, malformed, unknown, expired, revoked, inactive_user.
    refused: str | None = None


def authenticate(header, now=None):
    """Check an Authorization header. A usable token has not expired, is not revoked, and its
    user is active."""
    now = now or utcnow()
    if not header:
        return Authentication(None, "missing")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return Authentication(None, "malformed")
    token = db.session.scalar(
        sa.select(ApiToken).options(joinedload(ApiToken.user)).filter_by(token_hash=hash_token(secret))
    )
    if token is None:
        return Authentication(None, "unknown")
    if token.revoked_at is not None:
        return Authentication(token, "revoked")
    if now >= token.expires_at:
        return Authentication(token, "expired")
    if not token.user.is_active:
        return Authentication(token, "inactive_user")
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        token.last_used_at = now
    return Authentication(token)


def revoke(token, reason="revoked", now=None):
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        token.revoked_reason = reason


def revoke_all(user_id, reason, now=None):
    """Revoke every live token of a user (for example when their account is closed)."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
    )


def tokens_of(user_id):
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def token_of(user_id, token_id):
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))


def user_by_email(email):
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


# Idempotency keys


def request_fingerprint(method, path, body):
    """SHA-256 of what a request asks for: the same key with another request is refused."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def stored_response(token_id, key, *, keep_for, now=None):
    """The kept response for this token's key, if it is still within `keep_for`. An older one
    is removed, so the key can be used again."""
    now = now or utcnow()
    row = db.session.scalar(sa.select(IdempotencyKey).filter_by(token_id=token_id, key=key))
    if row is not None and now - row.created_at > keep_for:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def remember_response(token_id, key, *, fingerprint, status_code, body, location, keep_for, now=None):
    """Keep a response for the key (in the caller's transaction, with the record it made), and
    drop this token's keys that are past keeping."""
    now = now or utcnow()
    db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.token_id == token_id, IdempotencyKey.created_at < now - keep_for)
    )
    db.session.add(
        IdempotencyKey(
            token_id=token_id,
            key=key,
            request_hash=fingerprint,
            status_code=status_code,
            response=body,
            location=location,
            created_at=now,
        )
    )


def purge_idempotency_keys(before):
    """Remove every kept response older than `before` (responses carry personal data)."""
    return db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < before)).rowcount


def purge_job(now):
    """Scheduled: drop kept responses once their Idempotency-Key can no longer be retried."""
    hours = current_app.config["API_IDEMPOTENCY_HOURS"]
    return {"deleted": purge_idempotency_keys(now - timedelta(hours=hours))}
