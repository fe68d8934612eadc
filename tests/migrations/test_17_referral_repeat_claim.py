"""e8b4d6f0a2c5: a referral keeps a repeat its referrer claims that the record does not show."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "e8b4d6f0a2c5"


def test_the_referrals_sent_before_claim_nothing(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, is_repeat, repeat_claim FROM referrals ORDER BY id") == [
        (rows.REFERRAL, False, None),
        (rows.REPEAT, True, None),
        (rows.TRANSFER, False, None),
    ]


def test_going_down_keeps_every_referral_and_its_repeat_flag(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "repeat_claim" not in database.columns("referrals")
    assert database.rows("SELECT id, is_repeat FROM referrals ORDER BY id") == [
        (rows.REFERRAL, False),
        (rows.REPEAT, True),
        (rows.TRANSFER, False),
        (rows.CLAIMED, False),
    ]
