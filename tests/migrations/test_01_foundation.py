"""898f17658931 Foundation: areas, agencies, users, sessions, audit."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "898f17658931"


def test_the_foundation_takes_its_rows_and_refuses_a_second_user_with_the_same_email(database):
    upgrade_keeps_the_data(database, REVISION)  # from an empty database: nothing to keep yet
    rows.foundation(database)
    assert database.rows("SELECT email FROM users ORDER BY id") == [
        ("coordinator@example.org",),
        ("idva@example.org",),
        ("housing@example.org",),
    ]
    with pytest.raises(sa.exc.IntegrityError):
        database.insert(
            "users",
            {
                "id": 99,
                "email": "idva@example.org",
                "name": "Someone Else",
                "password_hash": "x",
                "agency_id": rows.POLICE,
                "is_active": True,
                "must_change_password": False,
                "created_at": rows.NOW,
                "password_changed_at": rows.NOW,
                "version": 1,
            },
        )


def test_undoing_the_foundation_with_rows_in_it_leaves_an_empty_database(database):
    downgrade_keeps_the_data(database, REVISION)
    assert database.tables() == set()
