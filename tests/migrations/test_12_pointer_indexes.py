"""a7d2e4f6b8c1: partial indexes on the pointers between case records."""

from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "a7d2e4f6b8c1"
POINTERS = [
    ("actions", "agenda_item_id"),
    ("referrals", "risk_assessment_id"),
    ("referrals", "repeat_of_id"),
    ("referrals", "transferred_from_id"),
    ("idva_supports", "referral_id"),
    ("idva_supports", "reopens_id"),
    ("idva_tasks", "support_id"),
]


def test_each_pointer_is_indexed_where_it_is_set(database):
    upgrade_keeps_the_data(database, REVISION)
    for table, column in POINTERS:
        assert f"{column} IS NOT NULL" in (database.index_sql(f"ix_{table}_{column}") or ""), (table, column)


def test_dropping_the_pointer_indexes_keeps_the_rows_and_their_pointers(database):
    downgrade_keeps_the_data(database, REVISION)
    for table, column in POINTERS:
        assert database.index_sql(f"ix_{table}_{column}") is None
    assert database.rows("SELECT reopens_id FROM idva_supports WHERE reopens_id IS NOT NULL") == [(81,)]
