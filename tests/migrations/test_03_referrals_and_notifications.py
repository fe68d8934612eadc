"""460aee14d9ab: referrals and notifications."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "460aee14d9ab"


def test_referrals_point_at_the_cases_and_assessments_already_there(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.referrals_and_notifications(database)
    assert database.rows(
        "SELECT referrals.id, cases.id, risk_assessments.score FROM referrals "
        "JOIN cases ON cases.id = referrals.case_id "
        "LEFT JOIN risk_assessments ON risk_assessments.id = referrals.risk_assessment_id ORDER BY referrals.id"
    ) == [
        (rows.REFERRAL, rows.HOME_CASE, 15),
        (rows.REPEAT, rows.HOME_CASE, None),
        (rows.TRANSFER, rows.AWAY_CASE, None),
    ]
    with pytest.raises(sa.exc.IntegrityError):  # a notification for no one
        database.insert("notifications", {"id": 2, "user_id": 999, "message": "Lost", "created_at": rows.NOW})


def test_undoing_referrals_keeps_the_cases_and_their_assessments(database):
    downgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, corrects_id FROM risk_assessments ORDER BY id") == [
        (rows.ASSESSMENT, None),
        (rows.CORRECTION, rows.ASSESSMENT),
    ]
