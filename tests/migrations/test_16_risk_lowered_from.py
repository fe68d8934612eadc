"""d7a3c5e9f1b4: a risk result keeps the level it lowered and what has changed since."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "d7a3c5e9f1b4"


def test_the_results_recorded_before_keep_their_level_and_lower_nothing(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, level, lowered_from, what_changed FROM risk_assessments ORDER BY id") == [
        (rows.ASSESSMENT, "high", None, None),
        (rows.CORRECTION, "high", None, None),
    ]


def test_going_down_keeps_every_result_and_its_level(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "lowered_from" not in database.columns("risk_assessments")
    assert database.rows("SELECT id, tool, level FROM risk_assessments ORDER BY id") == [
        (rows.ASSESSMENT, "dash", "high"),
        (rows.CORRECTION, "dash", "high"),
        (rows.LOWERING, "dara", "medium"),
    ]
