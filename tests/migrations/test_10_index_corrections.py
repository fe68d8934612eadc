"""e6b7f1924b5c: an index on the assessment a correction replaces."""

from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "e6b7f1924b5c"
INDEX = "ix_risk_assessments_corrects_id"


def test_the_corrections_index_is_made_over_the_assessments_already_there(database):
    upgrade_keeps_the_data(database, REVISION)
    assert "corrects_id" in database.index_sql(INDEX)


def test_dropping_the_corrections_index_keeps_the_assessments(database):
    downgrade_keeps_the_data(database, REVISION)
    assert database.index_sql(INDEX) is None
    assert database.rows("SELECT COUNT(*) FROM risk_assessments") == [(2,)]
