"""A repeat the referrer claims but the record does not show (issue 20): sent, marked for the
coordinator to confirm or reject at triage; the data return counts confirmed repeats only and
lists the claimed ones for checking."""

import csv
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from marac.services import stats
from models import AgencyKind, Area, AuditEvent, Referral, User, db
from models.referrals import REPEAT_CLAIMED, REPEAT_CONFIRMED, REPEAT_REJECTED
from tests.helpers import csrf_from, sign_in
from tests.unit.test_stats import _case, _meeting
from tests.views.test_referrals import TODAY, refer
from tests.views.test_referrals_out_of_order import refer_the_pair


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


def saved(app, referral_id):
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        return referral.is_repeat, referral.repeat_claim


def answer(client, referral_id, repeat):
    page = client.get("/").get_data(as_text=True)
    return client.post(f"/referrals/{referral_id}/repeat-claim", data={"csrf_token": csrf_from(page), "repeat": repeat})


def test_a_claimed_repeat_not_on_record_is_sent_marked_and_confirmed_by_the_coordinator(app, police):
    referral_id = refer(police, criteria=("visible_high_risk", "repeat"))
    assert saved(app, referral_id) == (False, REPEAT_CLAIMED)
    html = police.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "Repeat claimed, not found on record" in html
    assert 'name="repeat"' not in html  # the referrer does not decide it
    assert answer(police, referral_id, REPEAT_CONFIRMED).status_code == 403

    client = app.test_client()
    sign_in(client, "coordinator@example.org")
    waiting = client.get("/referrals?status=submitted").get_data(as_text=True)
    assert "Repeat claimed, not on record" in waiting  # seen at triage from the list
    coordinator_page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "It is not counted as a repeat until the coordinator confirms it." in coordinator_page
    assert 'name="repeat"' in coordinator_page
    refused = answer(client, referral_id, "")
    assert refused.status_code == 400 and "Select whether this is a repeat" in refused.get_data(as_text=True)
    assert answer(client, referral_id, REPEAT_CONFIRMED).status_code == 302
    assert saved(app, referral_id) == (True, REPEAT_CONFIRMED)
    assert "The coordinator confirmed it: it counts as a repeat." in client.get(f"/referrals/{referral_id}").get_data(
        as_text=True
    )
    assert answer(client, referral_id, REPEAT_REJECTED).status_code == 302
    assert saved(app, referral_id) == (False, REPEAT_REJECTED)
    with app.app_context():
        decided = db.session.query(AuditEvent).filter_by(event="referral.repeat_claim_decided").order_by("id").all()
        assert [(e.record_id, e.detail["decision"]) for e in decided] == [
            (referral_id, REPEAT_CONFIRMED),
            (referral_id, REPEAT_REJECTED),
        ]


def test_a_repeat_found_on_record_is_no_claim(app, police):
    refer_the_pair(police, TODAY - timedelta(days=60))
    second = refer_the_pair(police, TODAY)
    assert saved(app, second)[0] is True
    # Ticked by the referrer and found: nothing to confirm.
    with app.app_context():
        assert db.session.get(Referral, second).repeat_claim is None


def test_a_referral_without_the_repeat_reason_claims_nothing(app, police):
    referral_id = refer(police)
    assert saved(app, referral_id) == (False, None)


def test_there_is_nothing_to_answer_on_a_referral_without_a_claim(app, police):
    referral_id = refer(police)
    client = app.test_client()
    sign_in(client, "coordinator@example.org")
    assert answer(client, referral_id, REPEAT_CONFIRMED).status_code == 404


def test_the_data_return_counts_confirmed_repeats_only_and_lists_the_claimed(app, make, demo):
    user = make.user()
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        police = next(agency for agency in area.agencies if agency.kind == AgencyKind.POLICE)
        referrer = db.session.get(User, user.id)
        meeting = _meeting(area, date(2026, 5, 12))
        db.session.flush()
        claimed = _case(area, police, referrer, meeting, referred_on=date(2026, 5, 1))
        confirmed = _case(area, police, referrer, meeting, referred_on=date(2026, 5, 2))
        rejected = _case(area, police, referrer, meeting, referred_on=date(2026, 5, 3))
        claimed.repeat_claim, claimed.criteria = REPEAT_CLAIMED, ["repeat"]
        confirmed.repeat_claim, confirmed.is_repeat = REPEAT_CONFIRMED, True
        rejected.repeat_claim = REPEAT_REJECTED
        db.session.commit()
        report = stats.quarterly_return(area, 2026, 2)
        assert report.total.cases == 3 and report.total.repeats == 1
        assert [referral.id for referral in report.claimed_repeats] == [claimed.id]
        claimed_reference, others = claimed.reference, {confirmed.reference, rejected.reference}
    # The CSV lists them too, after the figures, by reference only.
    client = app.test_client()
    sign_in(client, "coordinator@example.org")
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/return.csv?area_id={area.id}&year=2026&quarter=2").text)))
    section = rows.index(["Repeats claimed, not found on record"])
    assert rows[section - 1] == [] and rows[section + 1 : section + 3] == [[claimed_reference], []]
    assert not others & {cell for row in rows for cell in row}
    # And the PDF.
    paper = client.get(f"/reports/return.pdf?area_id={area.id}&year=2026&quarter=2").data
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(paper)).pages)
    assert "Repeats claimed, not found on record" in text and f"Referral {claimed_reference}" in text
    assert not any(reference in text for reference in others)
