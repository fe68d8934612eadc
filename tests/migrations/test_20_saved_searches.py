"""b8e2f4a6c1d3: saved searches, and the indexes that find surnames by how they begin."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "b8e2f4a6c1d3"


def test_a_search_is_saved_for_its_user_and_surnames_are_found_by_their_start(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.saved_searches(database)
    assert database.rows("SELECT users.email, terms FROM saved_searches JOIN users ON users.id = user_id") == [
        ("coordinator@example.org", "Quill 14/5/1991")
    ]
    for index in ("ix_people_last_name_lower", "ix_person_aliases_last_name_lower"):
        sql = database.index_sql(index).lower()
        assert "lower(last_name)" in sql.replace("((last_name)::text)", "(last_name)")
        if database.dialect == "postgresql":
            assert "text_pattern_ops" in sql


def test_going_down_removes_the_saved_searches_and_keeps_the_people(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "saved_searches" not in database.tables()
    assert database.rows("SELECT COUNT(*) FROM people") != [(0,)]
