from datetime import timedelta

import pytest

from marac.services import accounts
from models import User, db
from models.clock import utcnow


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def _user(email):
    return db.session.query(User).filter_by(email=email).one()


def test_passwords_are_hashed_with_argon2id(make, app):
    person = make.user()
    with app.app_context():
        stored = _user(person.email).password_hash
    assert stored.startswith("$argon2id$")
    assert person.password not in stored


def test_sign_in_with_the_right_password(make, app):
    person = make.user()
    with app.app_context():
        result = accounts.sign_in(person.email.upper() + "  ", person.password)
        assert result.user is not None and result.user.id == person.id
        assert result.user.last_sign_in_at is not None


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled account"])
def test_failures_look_the_same(make, app, case):
    person = make.user(is_active=case != "disabled account")
    email = "nobody@example.org" if case == "unknown email" else person.email
    password = "not the password" if case == "wrong password" else person.password
    with app.app_context():
        result = accounts.sign_in(email, password)
    assert result.user is None
    assert result.locked_until is None


def test_five_failures_make_a_fifteen_minute_wait_never_a_lock(make, app):
    person = make.user()
    now = utcnow()
    with app.app_context():
        for _ in range(4):
            assert accounts.sign_in(person.email, "wrong", now=now).locked_until is None
        locked = accounts.sign_in(person.email, "wrong", now=now)
        assert locked.locked_until == now + timedelta(minutes=15)
        # While waiting, even the right password is refused.
        during = accounts.sign_in(person.email, person.password, now=now + timedelta(minutes=14, seconds=59))
        assert during.user is None and during.locked_until == locked.locked_until
        # Once the wait is over, the right password works again.
        after = accounts.sign_in(person.email, person.password, now=now + timedelta(minutes=15, seconds=1))
        assert after.user is not None


def test_unknown_emails_are_throttled_too(app):
    now = utcnow()
    with app.app_context():
        results = [accounts.sign_in("ghost@example.org", "guess", now=now) for _ in range(5)]
    assert results[-1].locked_until is not None


def test_a_success_clears_earlier_failures(make, app):
    person = make.user()
    now = utcnow()
    with app.app_context():
        for _ in range(4):
            accounts.sign_in(person.email, "wrong", now=now)
        assert accounts.sign_in(person.email, person.password, now=now).user
        for _ in range(4):
            assert accounts.sign_in(person.email, "wrong", now=now).locked_until is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a" * 11, "Password must be 12 characters or more"),
        ("vq3 kelp orbit", None),  # 12 characters or more: no rules about character types
        ("vq3 kelp orbit " * 8 + "jam-rx8q", None),  # 128 characters
        ("a" * 129, "Password must be 128 characters or fewer"),
    ],
)
def test_password_length_rules(password, problem):
    assert accounts.password_problem(password) == problem


def test_generated_passwords_are_long_and_differ(ctx):
    first, second = accounts.generate_password(), accounts.generate_password()
    assert first != second
    assert accounts.password_problem(first) is None
