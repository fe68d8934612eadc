"""c9f4a6b8d0e3: the matching keys made from a confidential address go; every other key stays."""

from tests.migrations.database import downgrade_keeps_the_data, load, revision_before, upgrade_keeps_the_data

REVISION = "c9f4a6b8d0e3"


def _keys(database):
    return database.rows("SELECT person_id, key FROM person_match_keys ORDER BY person_id, key")


def test_the_keys_of_a_confidential_postcode_go_and_no_other(database):
    before = revision_before(REVISION)
    database.upgrade(before)
    load(database, through=before)
    # Person 11's address is confidential (rows.people_and_cases); person 12's is not.
    database.insert(
        "person_match_keys",
        {"person_id": 11, "key": "pc:ZZ11AB:KRNMR"},
        {"person_id": 11, "key": "pc:ZZ11AB:AT"},
        {"person_id": 12, "key": "pc:ZZ11AB:TSTBSR"},
    )
    database.upgrade(REVISION)
    assert _keys(database) == [(11, "QRNMR-1990"), (12, "TSTBSR-1985"), (12, "pc:ZZ11AB:TSTBSR")]
    assert database.rows("SELECT COUNT(*) FROM people") == [(4,)]


def test_with_no_such_key_the_upgrade_keeps_every_row(database):
    upgrade_keeps_the_data(database, REVISION)


def test_going_down_keeps_every_row(database):
    downgrade_keeps_the_data(database, REVISION)
    assert _keys(database) == [(11, "QRNMR-1990"), (12, "TSTBSR-1985")]
