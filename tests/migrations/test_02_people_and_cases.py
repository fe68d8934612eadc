"""cbabb43a6760: people, cases, allocations and risk assessments."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "cbabb43a6760"


def test_cases_come_in_beside_the_areas_and_users_they_point_at(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.people_and_cases(database)
    assert database.rows(
        "SELECT cases.id, areas.name, people.last_name, users.email FROM cases "
        "JOIN areas ON areas.id = cases.area_id JOIN people ON people.id = cases.victim_id "
        "LEFT JOIN users ON users.id = cases.created_by_id ORDER BY cases.id"
    ) == [
        (rows.HOME_CASE, "Testmoor", "Quernmoor", "coordinator@example.org"),
        (rows.AWAY_CASE, "Testdale", "Dalesworth", None),
    ]


def test_undoing_people_and_cases_keeps_the_areas_agencies_and_users(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "cases" not in database.tables() and "people" not in database.tables()
    assert database.rows("SELECT COUNT(*) FROM users") == [(3,)]
