"""f3c7a9e1b5d2: the summary tables of the reports dashboard's figures."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "f3c7a9e1b5d2"
TABLES = {
    "rollup_referrals_month",
    "rollup_completion_quarter",
    "rollup_supports_day",
    "rollup_closures_day",
    "rollup_state",
}


def test_the_tables_start_empty_and_the_dashboard_computes_live_until_the_first_build(database):
    upgrade_keeps_the_data(database, REVISION)
    assert TABLES <= database.tables()
    for table in TABLES:
        assert database.rows(f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608 (the test's own names)


def test_going_down_drops_them_and_keeps_everything_else(database):
    earlier = downgrade_keeps_the_data(database, REVISION)
    assert earlier["rollup_state"] and earlier["rollup_referrals_month"]
    assert not TABLES & database.tables()
    assert database.rows("SELECT id FROM areas ORDER BY id") == [(rows.HOME_AREA,), (rows.AWAY_AREA,)]
