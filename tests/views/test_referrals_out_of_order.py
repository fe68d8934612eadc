"""Referrals of one victim and perpetrator entered out of date order: each later referral's repeat
status is worked out again, from the last referral before it (issue 20)."""

from datetime import timedelta

import pytest

from models import AuditEvent, Notification, Referral, User, db
from tests.helpers import sign_in
from tests.views.test_referrals import (
    TODAY,
    _ids_offered,
    choose,
    complete_dash,
    send,
    start,
)


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


def refer_the_pair(client, on):
    """A referral of Tessa Quillfeather and Rex Bramblecote dated `on`, linked to them if on record."""
    referral_id = start(client, on=on, past_referral_confirmed="y")
    match = client.get(f"/referrals/{referral_id}/match")
    if match.status_code == 200:
        html = match.get_data(as_text=True)
        victims, perpetrators = _ids_offered(html, "victim"), _ids_offered(html, "perpetrator")
        assert len(victims) == 1 and len(perpetrators) == 1
        assert choose(client, referral_id, victims[0], perpetrators[0]).status_code == 302
    assert complete_dash(client, referral_id, on=on).status_code == 302
    assert send(client, referral_id).status_code == 302
    return referral_id


def flags(app):
    """{referral id: (is repeat, the id of the referral it repeats)}."""
    with app.app_context():
        return {r.id: (r.is_repeat, r.repeat_of_id) for r in db.session.query(Referral).all()}


def coordinator_messages(app):
    with app.app_context():
        coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
        return [n.message for n in db.session.query(Notification).filter_by(user_id=coordinator.id).order_by("id")]


def test_three_referrals_of_one_pair_entered_out_of_order(app, police):
    recent, oldest, middle = TODAY - timedelta(days=100), TODAY - timedelta(days=700), TODAY - timedelta(days=400)

    first = refer_the_pair(police, recent)
    assert flags(app) == {first: (False, None)}

    # Nearly two years before: no repeat of anything, and the recent one is more than 12 months on.
    second = refer_the_pair(police, oldest)
    assert flags(app) == {first: (False, None), second: (False, None)}
    assert [m for m in coordinator_messages(app) if "repeat:" in m] == []

    # Between the two: a repeat of the oldest (300 days on), and the recent one (300 days after
    # it) is now a repeat of it, counting from the last referral before the recent one.
    third = refer_the_pair(police, middle)
    assert flags(app) == {first: (True, third), second: (False, None), third: (True, second)}
    assert [m for m in coordinator_messages(app) if "repeat:" in m] == [
        f"Referral R{first:06d} is now a repeat: referral R{third:06d}, dated before it, was sent after it"
    ]
    with app.app_context():
        rechecked = db.session.query(AuditEvent).filter_by(event="referral.repeat_rechecked").all()
        assert [(e.record_id, e.detail["is_repeat"], e.detail["because_of"]) for e in rechecked] == [
            (first, True, third)
        ]
        assert "repeat" in db.session.get(Referral, first).criteria
    html = police.get(f"/referrals/{first}").get_data(as_text=True)
    assert "This is a repeat MARAC case" in html
