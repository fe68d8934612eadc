"""New passwords: 12 to 128 characters, no composition rules, nothing common or guessable from
the service, the deployment or the person."""

import time

import pytest

from marac.services import accounts
from models import Role
from tests.helpers import post_form, sign_in


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(
    "password",
    [
        "Password123!",
        "qwertyuiop123",
        "iloveyou2024!",
        "123456789012",
        "aaaaaaaaaaaaaaaa",
        "abcdefghijklmnop",
        "Summer2024!!",
        "marac marac marac",
        "Marac2024Password",
        "SafeLives2024!",
    ],
)
def test_common_and_service_passwords_are_refused(ctx, password):
    assert accounts.password_problem(password) == accounts.TOO_GUESSABLE


def test_the_deployments_area_and_agency_names_are_refused(ctx, make):
    make.area(name="Quernmoor")
    make.agency(name="Wendleby Constabulary")
    assert accounts.password_problem("Quernmoor2024!") == accounts.TOO_GUESSABLE
    assert accounts.password_problem("wendleby-constabulary") == accounts.TOO_GUESSABLE


def test_the_persons_own_name_and_email_are_refused(ctx):
    assert accounts.password_problem("Jocasta Pembleton 1985", name="Jocasta Pembleton") == accounts.TOO_GUESSABLE
    email = "jocasta.pembleton@wendleby.example"
    assert accounts.password_problem(email.upper(), email=email) == "Password must not be your email address"
    assert accounts.password_problem("Pembleton.Wendleby", email=email) == accounts.TOO_GUESSABLE


@pytest.mark.parametrize(
    "password",
    [
        "orbit kelp lantern quiz",
        "vq3 kelp orbit",
        "blue fish eat carrots",
        "correct horse battery staple",  # not in the bundled lists: length and words carry it
        "ühåøÿ kelp ünïcode",
    ],
)
def test_long_unusual_passwords_are_accepted_whatever_characters_they_use(ctx, password):
    assert accounts.password_problem(password) is None


def test_length_limits(ctx):
    assert accounts.password_problem("x7Rq!k2") == "Password must be 12 characters or more"
    assert accounts.password_problem("orbit kelp lantern quiz " * 6) == "Password must be 128 characters or fewer"
    assert accounts.password_problem("o" * 129) == "Password must be 128 characters or fewer"


def test_a_long_random_password_is_judged_quickly(ctx):
    import secrets
    import string

    password = "".join(secrets.choice(string.ascii_letters + string.digits + string.punctuation) for _ in range(128))
    started = time.perf_counter()
    assert accounts.password_problem(password) is None
    assert time.perf_counter() - started < 2


def test_changing_to_a_guessable_password_is_refused_on_the_page(client, make):
    person = make.user(Role.COORDINATOR, name="Jocasta Pembleton")
    sign_in(client, person.email)
    response = post_form(
        client,
        "/auth/password",
        {"current_password": person.password, "new_password": "Pembleton1985!", "confirm_password": "Pembleton1985!"},
        token_from="/auth/password",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Password is too easy to guess" in html
    assert "Pembleton1985!" not in html
