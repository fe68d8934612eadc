"""Accounts: password hashing, sign-in with a throttle, creating and changing users."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy.orm.attributes import set_committed_value
from zxcvbn import zxcvbn

from models import Agency, Area, LoginThrottle, User, db
from models.clock import utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128


def normalise_email(email):
    return (email or "").strip().lower()


def _hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password):
    return _hasher().hash(password)


def _verify(password_hash, password):
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password():
    """A password for an account reset or the demo: 4 groups of 5 unambiguous characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None  # set when the sign-in succeeded
    account_id: int | None = None  # the account the email names, for the audit trail
    locked_until: datetime | None = None


def sign_in(email, password, now=None):
    """Check an email and password.

    The same answer for a wrong password, an unknown email and a disabled account. After
    LOGIN_MAX_FAILURES failures for one email address (known or not) it waits LOGIN_LOCKOUT
    before checking again: a wait, never a permanent lock.
    """
    now = now or utcnow()
    config = current_app.config
    email = normalise_email(email)
    email_hash = hashlib.sha256(email.encode()).hexdigest()
    throttle = db.session.scalar(sa.select(LoginThrottle).filter_by(email_hash=email_hash))
    if throttle and throttle.locked_until:
        if throttle.locked_until > now:
            return SignInResult(locked_until=throttle.locked_until)
        throttle.locked_until = None

    user = db.session.scalar(sa.select(User).filter_by(email=email))
    # Hash even for an unknown email so that the time taken does not tell.
    password_ok = _verify(user.password_hash if user else _dummy_hash(), password)
    if user and user.is_active and password_ok:
        if throttle:
            db.session.delete(throttle)
        _note_sign_in(user, password, now)
        return SignInResult(user=user, account_id=user.id)

    if throttle is None:
        throttle = LoginThrottle(email_hash=email_hash, failure_count=0)
        db.session.add(throttle)
    throttle.failure_count += 1
    throttle.updated_at = now
    if throttle.failure_count >= config["LOGIN_MAX_FAILURES"]:
        throttle.failure_count = 0
        throttle.locked_until = now + config["LOGIN_LOCKOUT"]
    return SignInResult(account_id=user.id if user else None, locked_until=throttle.locked_until)


def _note_sign_in(user, password, now):
    """The time of the sign-in, and the password's hash renewed if the hashing settings have moved
    on. Not an edit of the account: written beside its version (marac/services/versions.py), so
    an administrator's form open on the account meanwhile is not refused."""
    values = {"last_sign_in_at": now}
    if _hasher().check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(**values).execution_options(synchronize_session=False)
    )
    for name, value in values.items():
        set_committed_value(user, name, value)


def _dummy_hash():
    """A hash of a random password, made once per app, to verify unknown emails against."""
    if "marac_dummy_hash" not in current_app.extensions:
        current_app.extensions["marac_dummy_hash"] = hash_password(secrets.token_hex(16))
    return current_app.extensions["marac_dummy_hash"]


def check_password(user, password):
    return _verify(user.password_hash, password)


def clear_sign_in_wait(user):
    """An administrator's reset also lifts any wait after failed sign-ins."""
    email_hash = hashlib.sha256(user.email.encode()).hexdigest()
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.email_hash == email_hash))


def set_password(user, password, *, must_change=False):
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change


# Words anyone guessing a password here would try first, besides the areas' and agencies' names.
SERVICE_WORDS = ("marac", "idva", "dash", "safelives", "caseload", "referral", "agency", "password")
# zxcvbn's estimate of the guesses needed (log10): 10^10 is its "very unguessable" band.
MIN_GUESSES_LOG10 = 10
# zxcvbn takes time that grows with the length: a long password is judged by its start.
STRENGTH_CHECKED_LENGTH = 64
TOO_GUESSABLE = (
    "Password is too easy to guess. Do not use common passwords, names, dates, places, or words to "
    "do with MARAC or your agency. A few unrelated words together make a strong password"
)


def _words(*texts):
    words = set()
    for text in texts:
        if text:
            text = text.lower()
            words.add(text)
            words.update(word for word in re.split(r"[^a-z0-9]+", text) if len(word) >= 3)
    return words


def context_words(*, user=None, name=None, email=None):
    """What this service, this deployment and this person make easy to guess."""
    words = _words(*SERVICE_WORDS)
    if has_app_context():
        words |= _words(current_app.config["SERVICE_NAME"])
        words |= _words(*db.session.scalars(sa.select(Area.name)))
        words |= _words(*db.session.scalars(sa.select(Agency.name)))
    if user is not None:
        name, email = name or user.name, email or user.email
    words |= _words(name, email)
    if email and "@" in email:
        words |= _words(*normalise_email(email).split("@"))
    return sorted(words)


def password_problem(password, *, user=None, name=None, email=None):
    """The GOV.UK-style message for an unacceptable new password, or None.

    12 to 128 characters, no rules about character types (NIST SP 800-63B); refused when zxcvbn
    (its bundled lists of common passwords, names and words, keyboard patterns, dates,
    repeats) estimates fewer than 10^10 guesses, counting the service's, the deployment's
    (areas, agencies) and the person's own words as the first guesses. The same check runs on
    the password with its spaces and punctuation removed, so "Testshire-Police-2024" counts as
    "testshirepolice2024".
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    email = email or (user.email if user else None)
    if email and normalise_email(password) == normalise_email(email):
        return "Password must not be your email address"
    words = context_words(user=user, name=name, email=email)
    start = password[:STRENGTH_CHECKED_LENGTH]
    squashed = re.sub(r"[\W_]+", "", start.lower())
    for candidate in {start, squashed or start}:
        estimate = zxcvbn(candidate, user_inputs=words, max_length=STRENGTH_CHECKED_LENGTH)
        if estimate["guesses_log10"] < MIN_GUESSES_LOG10:
            return TOO_GUESSABLE
    return None


def email_taken(email, *, exclude_id=None):
    query = sa.select(User.id).filter_by(email=normalise_email(email))
    if exclude_id:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def update_user(user, *, name, email, agency_id, roles, area_ids, is_active):
    """Apply an admin's edit. Returns True when the account was just deactivated."""
    deactivated = user.is_active and not is_active
    user.name = name.strip()
    user.email = normalise_email(email)
    user.agency_id = agency_id
    user.roles = roles
    user.areas = list(db.session.scalars(sa.select(Area).where(Area.id.in_(area_ids))))
    user.is_active = is_active
    return deactivated


def create_user(*, email, name, password, agency, roles, areas, must_change_password=False):
    user = User(email=normalise_email(email), name=name.strip(), agency=agency, areas=list(areas))
    user.roles = roles
    set_password(user, password, must_change=must_change_password)
    db.session.add(user)
    return user
