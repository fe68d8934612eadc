"""e3b19d7c5a20: each user chooses how they hear of their notifications (email, a daily digest, or
the app only)."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "e3b19d7c5a20"


def test_every_account_keeps_its_emails_and_has_had_no_digest(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, notification_delivery, digest_sent_at FROM users ORDER BY id") == [
        (user_id, "email", None) for user_id in sorted((rows.COORDINATOR, rows.IDVA, rows.HOUSING_REP))
    ]


def test_going_down_keeps_every_account(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "notification_delivery" not in database.columns("users")
    assert "digest_sent_at" not in database.columns("users")
    assert database.rows("SELECT id, email FROM users ORDER BY id") == sorted(
        [
            (rows.COORDINATOR, "coordinator@example.org"),
            (rows.IDVA, "idva@example.org"),
            (rows.HOUSING_REP, "housing@example.org"),
        ]
    )
