"""b2d1be6f2018: two-factor sign-in, the tamper-evident audit trail, retention reviews and holds."""

import pytest
import sqlalchemy as sa

from marac.services import audit
from models import db
from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "b2d1be6f2018"


def _chain():
    with db.engine.connect() as connection:
        return audit.verify_chain(connection=connection)


def test_the_events_already_written_are_chained_in_order_and_can_no_longer_change(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, chain_seq FROM audit_events ORDER BY id") == [(1, 1), (2, 2), (3, 3)]
    report = _chain()
    assert report.ok and report.checked == 3, report.problems
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        database.execute("UPDATE audit_events SET event = 'case.deleted' WHERE id = 2")
    rows.security(database)  # a new event, chained by the database
    report = _chain()
    assert report.ok and report.checked == 4, report.problems
    assert database.rows("SELECT mfa_secret FROM users WHERE id = :user", user=rows.COORDINATOR) == [
        ("JBSWY3DPEHPK3PXP",)
    ]


def test_undoing_the_chain_keeps_every_event_and_user(database):
    downgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, event FROM audit_events ORDER BY id") == [
        (1, "auth.signed_in"),
        (2, "case.viewed"),
        (3, "case.updated"),
        (4, "auth.mfa_enrolled"),
    ]
    # Without the triggers the older schema had no guard on the table.
    database.execute("UPDATE audit_events SET roles = 'chair' WHERE id = 4")
    assert database.rows("SELECT email FROM users WHERE id = :user", user=rows.COORDINATOR) == [
        ("coordinator@example.org",)
    ]
