"""a1c0ad5e1f07: the IDVA caseload (supports, contacts, safety plans, needs, tasks, outcomes); an
allocation belongs to a support; an area's IDVA capacity and an IDVA's hours."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "a1c0ad5e1f07"


def test_areas_users_and_allocations_take_their_new_columns_and_keep_their_rows(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT id, idva_capacity_per_fte FROM areas ORDER BY id") == [
        (rows.HOME_AREA, 70),
        (rows.AWAY_AREA, 70),
    ]
    assert [float(fte) for (fte,) in database.rows("SELECT fte FROM users ORDER BY id")] == [1.0, 1.0, 1.0]
    assert database.rows("SELECT id, case_id, idva_id, support_id FROM allocations") == [
        (1, rows.HOME_CASE, rows.IDVA, None)
    ]
    rows.idva_caseload(database)
    assert database.rows("SELECT support_id FROM allocations") == [(rows.REOPENED_SUPPORT,)]


def test_undoing_the_caseload_keeps_every_allocation_user_and_area(database):
    """SQLite copies allocations to drop its support: the copy must keep the rows; users and
    areas, which many tables point at, lose a column without being copied."""
    downgrade_keeps_the_data(database, REVISION)
    assert "support_id" not in database.columns("allocations")
    assert database.rows("SELECT id, case_id, idva_id FROM allocations") == [(1, rows.HOME_CASE, rows.IDVA)]
    assert database.rows("SELECT COUNT(*) FROM user_areas") == [(4,)]
