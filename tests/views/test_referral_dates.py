"""Dates that make sense on the web: the referral's date, its DASH's, a contact's (the rules are
services/date_rules.py, tested at their boundaries in tests/unit/test_date_rules.py)."""

import re
from datetime import date, timedelta

import pytest

from marac.services.date_rules import PAST_REFERRAL_MESSAGE
from models import Referral, db
from tests.helpers import sign_in
from tests.views.test_referrals import (
    TODAY,
    _post,
    complete_dash,
    match_step,
    referral_answers,
    send,
    start,
)

BORN = date(1990, 4, 3)


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


@pytest.mark.parametrize(
    ("on", "born", "message"),
    [
        (date(1990, 4, 2), BORN, "The date of referral must be on or after the victim&#39;s date of birth"),
        (date(2002, 12, 31), date(1985, 1, 1), "The date of referral must be in 2003 or later, when MARACs began"),
    ],
)
def test_a_referral_dated_before_the_victim_was_born_or_before_marac_is_refused_keeping_the_answers(
    police, on, born, message
):
    response = _post(police, "/referrals/new", referral_answers(on=on, victim=("Tessa", "Quillfeather", born)))
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Quillfeather"' in html and f'value="{on.year}"' in html
    assert 'name="past_referral_confirmed"' not in html  # confirming would not help


def test_a_referral_more_than_12_months_ago_is_sent_only_once_the_referrer_confirms_it(app, police):
    long_ago = TODAY.replace(year=TODAY.year - 1, day=min(TODAY.day, 28)) - timedelta(days=1)
    answers = referral_answers(on=long_ago)
    html = _post(police, "/referrals/new", answers).get_data(as_text=True)
    assert PAST_REFERRAL_MESSAGE in html
    assert 'name="past_referral_confirmed"' in html  # the box appears with the error
    assert 'name="past_referral_confirmed"' not in police.get("/referrals/new").get_data(as_text=True)

    referral_id = start(police, on=long_ago, past_referral_confirmed="y")
    assert match_step(police, referral_id).status_code == 302
    assert complete_dash(police, referral_id, on=long_ago).status_code == 302
    check = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    assert "A past referral" in check and "#past_referral_confirmed" in check
    edit = police.get(f"/referrals/{referral_id}/edit?return_to=check").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="past_referral_confirmed"[^>]*>', edit)
    assert box and "checked" in box.group(0)  # shown ticked, to untick if the date is changed
    assert send(police, referral_id).status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.referred_on == long_ago and referral.submitted_at is not None


def test_a_draft_confirmed_then_changed_back_asks_again_at_sending(app, police):
    recent = TODAY - timedelta(days=10)
    referral_id = start(police, on=recent)
    assert match_step(police, referral_id).status_code == 302
    assert complete_dash(police, referral_id, on=recent).status_code == 302
    with app.app_context():  # a draft left a year, and the confirmation never given
        referral = db.session.get(Referral, referral_id)
        referral.referred_on = referral.referred_on - timedelta(days=400)
        db.session.commit()
    html = send(police, referral_id).get_data(as_text=True)
    assert PAST_REFERRAL_MESSAGE in html
    with app.app_context():
        assert db.session.get(Referral, referral_id).submitted_at is None


def test_a_dash_dated_before_the_victim_was_born_is_refused(police):
    referral_id = start(police, on=TODAY, victim=("Tessa", "Quillfeather", date(2004, 6, 1)))
    assert match_step(police, referral_id).status_code == 302
    html = complete_dash(police, referral_id, on=date(2004, 5, 31)).get_data(as_text=True)
    assert "The date of the assessment must be on or after the victim&#39;s date of birth" in html
