"""Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238, pyotp), recovery codes and the
wait after wrong codes.

- A secret is 32 base32 characters (160 bits), made by `secrets` through pyotp.
- A code is accepted for the current 30-second step or the one either side (clock drift), and
  only for a step later than the last one accepted: the same code never works twice, even from
  two requests at once (the step moves forward in one conditional UPDATE).
- Recovery codes: 10 of 20 random characters (about 99 bits) each, shown once; only their
  SHA-256 is kept; each works once (again one conditional UPDATE).
- Wrong codes count per account (in LoginThrottle, under a key of their own): after
  MFA_MAX_FAILURES, a wait of MFA_LOCKOUT before any code is checked.
- The QR code for the authenticator app is drawn here (segno, SVG data URI): the secret never
  leaves the server except to the user's own browser.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from models import LoginThrottle, MfaRecoveryCode, User, db
from models.clock import utcnow

SECRET_LENGTH = 32  # base32 characters: 160 bits
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 4, 5


def new_secret():
    return pyotp.random_base32(length=SECRET_LENGTH)


def grouped(secret):
    """The secret as people type it: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret, user):
    issuer = current_app.config["SERVICE_NAME"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_data_uri(uri):
    """The otpauth:// address as a QR code, an SVG data URI for an <img> (the CSP allows data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c", light="#ffffff")


def normalise_code(code):
    return "".join((code or "").split())


def _step_for(secret, code, now):
    """The time step whose code this is (within the drift allowed), else None."""
    code = normalise_code(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    matched = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate, so the time taken does not say which matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def accept_code(user, code, now=None):
    """True if the code is right and newer than any accepted before; the step is then used up."""
    now = now or utcnow()
    step = _step_for(user.mfa_secret, code, now)
    if step is None:
        return False
    result = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False  # a replay: this step (or a later one) was accepted already
    set_committed_value(user, "mfa_last_step", step)
    return True


def enrol(user, secret, code, now=None):
    """Set up two-factor sign-in if the code comes from `secret`. Returns the new recovery codes,
    or None when the code is wrong."""
    now = now or utcnow()
    step = _step_for(secret, code, now)
    if step is None:
        return None
    user.mfa_secret = secret
    user.mfa_enrolled_at = now
    user.mfa_last_step = step
    return new_recovery_codes(user)


def reset(user):
    """An administrator's reset: the user sets it up again at their next sign-in (if required)."""
    user.mfa_secret = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = None
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    clear_failures(user)


# -- Recovery codes ---------------------------------------------------------------------------


def _recovery_hash(code):
    normalised = "".join(char for char in (code or "").lower() if char.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _recovery_code():
    return "-".join(
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH)) for _ in range(RECOVERY_GROUPS)
    )


def new_recovery_codes(user):
    """Replace the user's recovery codes; the plain codes are returned to show once."""
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(MfaRecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return codes


def use_recovery_code(user, code, now=None):
    result = db.session.execute(
        sa.update(MfaRecoveryCode)
        .where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == _recovery_hash(code),
            MfaRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def recovery_codes_left(user):
    return db.session.scalar(
        sa.select(sa.func.count(MfaRecoveryCode.id)).where(
            MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)
        )
    )


# -- The wait after wrong codes ---------------------------------------------------------------


def _throttle_key(user):
    return hashlib.sha256(f"mfa:{user.id}".encode()).hexdigest()


def _throttle(user):
    return db.session.scalar(sa.select(LoginThrottle).filter_by(email_hash=_throttle_key(user)))


def locked_until(user, now=None) -> datetime | None:
    now = now or utcnow()
    throttle = _throttle(user)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return throttle.locked_until
    return None


def record_failure(user, now=None):
    """Count a wrong code; returns when the wait ends if this one started it."""
    now = now or utcnow()
    config = current_app.config
    throttle = _throttle(user)
    if throttle is None:
        throttle = LoginThrottle(email_hash=_throttle_key(user), failure_count=0)
        db.session.add(throttle)
    if throttle.locked_until and throttle.locked_until <= now:
        throttle.locked_until = None
    throttle.failure_count += 1
    throttle.updated_at = now
    if throttle.failure_count >= config["MFA_MAX_FAILURES"]:
        throttle.failure_count = 0
        throttle.locked_until = now + config["MFA_LOCKOUT"]
    return throttle.locked_until


def clear_failures(user):
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.email_hash == _throttle_key(user)))
