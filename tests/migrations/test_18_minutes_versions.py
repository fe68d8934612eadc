"""e8b2d4f6a1c3: corrections to sent minutes, each version kept."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "e8b2d4f6a1c3"


def test_minutes_sent_before_are_version_one_with_nothing_to_move(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT count(*) FROM minutes_versions") == [(0,)]
    assert database.rows("SELECT id, discussion FROM agenda_items") == [(rows.AGENDA_ITEM, "Locks and a marker agreed")]
    rows.minutes_versions(database)  # the new tables take a correction
    assert database.rows("SELECT number, reason FROM minutes_versions ORDER BY number") == [
        (1, None),
        (2, "The risk after discussion was recorded wrongly"),
    ]


def test_going_down_drops_the_versions_and_keeps_the_meeting_and_its_minutes(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "minutes_versions" not in database.tables() and "minutes_entries" not in database.tables()
    assert database.rows("SELECT id, discussion, risk_after FROM agenda_items") == [
        (rows.AGENDA_ITEM, "Locks and a marker agreed", "high")
    ]
