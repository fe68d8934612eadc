"""f1a9c3d5e7b2: the corrections index covers only the assessments that correct another."""

from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "f1a9c3d5e7b2"
INDEX = "ix_risk_assessments_corrects_id"


def test_the_corrections_index_becomes_partial(database):
    upgrade_keeps_the_data(database, REVISION)
    assert "corrects_id IS NOT NULL" in database.index_sql(INDEX)


def test_the_corrections_index_covers_every_assessment_again_after_undoing(database):
    downgrade_keeps_the_data(database, REVISION)
    definition = database.index_sql(INDEX)
    assert "corrects_id" in definition and "IS NOT NULL" not in definition
