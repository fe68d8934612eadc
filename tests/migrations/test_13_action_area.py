"""b8e3f5a7c9d2: each action carries its case's area; indexes for the figures reports count over
a period."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "b8e3f5a7c9d2"
INDEXES = {
    "actions": "ix_actions_area_due",
    "referrals": "ix_referrals_area_referred",
    "idva_supports": "ix_idva_supports_received_at",
}


def test_giving_actions_their_area_keeps_every_action_and_its_history(database):
    """SQLite rebuilds the actions table for the new column: the rebuild must not cascade to the
    actions' history, and each action takes its case's area."""
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, area_id FROM actions ORDER BY id") == [
        (rows.HOME_ACTION, rows.HOME_AREA),
        (rows.AWAY_ACTION, rows.AWAY_AREA),
    ]
    assert database.rows("SELECT id, action_id FROM action_updates") == [(1, rows.HOME_ACTION)]
    assert all(database.index_sql(name) for name in (*INDEXES.values(), "ix_idva_supports_closed_at"))


def test_taking_the_area_off_actions_keeps_every_action_and_its_history(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "area_id" not in database.columns("actions")
    assert database.rows("SELECT COUNT(*) FROM action_updates") == [(1,)]
