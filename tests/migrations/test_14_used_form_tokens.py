"""c4f8a2d6e913: used form tokens, so that a form that makes a record makes it once."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "c4f8a2d6e913"


def test_a_form_token_is_used_once_per_user(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.used_form_tokens(database)
    assert database.rows("SELECT users.email, location FROM used_form_tokens JOIN users ON users.id = user_id") == [
        ("coordinator@example.org", f"/cases/{rows.HOME_CASE}")
    ]
    token = database.rows("SELECT token FROM used_form_tokens")[0][0]
    # Another user's form may carry the same token; the same user's second send may not.
    database.insert(
        "used_form_tokens",
        {"id": 2, "user_id": rows.IDVA, "token": token, "location": "/caseload/", "created_at": rows.LATER},
    )
    with pytest.raises(sa.exc.IntegrityError):
        database.insert(
            "used_form_tokens",
            {"id": 3, "user_id": rows.COORDINATOR, "token": token, "location": "/", "created_at": rows.LATER},
        )


def test_undoing_used_form_tokens_keeps_every_other_row(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "used_form_tokens" not in database.tables()
    assert database.rows("SELECT COUNT(*) FROM users") != [(0,)]
