"""5b7e2c9d41f3: job runs, one row per scheduled run."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "5b7e2c9d41f3"


def test_a_job_runs_once_for_each_time_it_is_due(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.job_runs(database)
    second = {"id": 2, "job": "send_reminders", "due_at": rows.NOW, "started_at": rows.LATER, "outcome": "running"}
    with pytest.raises(sa.exc.IntegrityError):  # what stops two schedulers sending the same reminders
        database.insert("job_runs", {**second, "host": "other-host"})


def test_undoing_job_runs_keeps_the_referrals(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "job_runs" not in database.tables()
    assert database.rows("SELECT id, repeat_of_id FROM referrals ORDER BY id") == [
        (rows.REFERRAL, None),
        (rows.REPEAT, rows.REFERRAL),
        (rows.TRANSFER, None),
    ]
