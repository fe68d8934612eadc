"""A possible duplicate (issue 20): a referral of the same victim and perpetrator on the same day
as another warns at "check and send", naming the other; the referrer may still send it."""

from datetime import timedelta

import pytest

from models import Referral, db
from tests.helpers import sign_in
from tests.views.test_referrals import TODAY, _ids_offered, choose, complete_dash, match_step, refer, send, start


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


def check_page(client, referral_id):
    return client.get(f"/referrals/{referral_id}/check").get_data(as_text=True)


def to_check(client, on, *, link=True):
    """A draft of Tessa Quillfeather and Rex Bramblecote dated `on`, at its check page: linked to
    them if on record (`link`), else as new people."""
    referral_id = start(client, on=on)
    if match_step(client, referral_id).status_code == 200:
        html = client.get(f"/referrals/{referral_id}/match").get_data(as_text=True)
        if link:
            assert choose(client, referral_id, _ids_offered(html, "victim")[0], _ids_offered(html, "perpetrator")[0])
        else:
            assert choose(client, referral_id).status_code == 302
    assert complete_dash(client, referral_id, on=on).status_code == 302
    return referral_id


def test_the_same_pair_on_the_same_day_warns_naming_the_other_and_may_still_be_sent(app, police):
    first = refer(police)
    second = to_check(police, TODAY)
    html = check_page(police, second)
    assert "Possible duplicate: referral" in html and f"R{first:06d}" in html
    assert html.index("marac-check-warnings") < html.index("Possible duplicate")
    assert send(police, second).status_code == 302
    with app.app_context():
        assert db.session.get(Referral, second).submitted_at is not None


def test_typed_again_as_new_people_it_still_warns(police):
    first = refer(police)
    second = to_check(police, TODAY, link=False)
    assert f"R{first:06d}" in check_page(police, second)


def test_another_day_is_no_duplicate(police):
    refer(police, on=TODAY - timedelta(days=1))
    second = to_check(police, TODAY)
    assert "Possible duplicate" not in check_page(police, second)


def test_another_agencys_referral_is_not_named(app, client, demo):
    sign_in(client, "police@example.org")
    refer(client)
    other = app.test_client()
    sign_in(other, "idva@example.org")
    second = to_check(other, TODAY, link=False)
    assert "Possible duplicate" not in check_page(other, second)
