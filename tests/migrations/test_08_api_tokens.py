"""c3e2cf702129: API tokens and idempotency keys."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "c3e2cf702129"


def test_a_token_belongs_to_a_user_and_answers_each_key_once(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.api_tokens(database)
    assert database.rows("SELECT api_tokens.name, users.email FROM api_tokens JOIN users ON users.id = user_id") == [
        ("Police case system", "coordinator@example.org")
    ]
    again = {"id": 2, "token_id": 1, "key": "police-2026-0001", "request_hash": "0" * 64, "status_code": 201}
    with pytest.raises(sa.exc.IntegrityError):  # a repeated key is answered from the first, never made twice
        database.insert("api_idempotency_keys", {**again, "response": {}, "created_at": rows.LATER})


def test_undoing_api_tokens_keeps_the_users_and_their_second_factor(database):
    downgrade_keeps_the_data(database, REVISION)
    assert not {"api_tokens", "api_idempotency_keys"} & database.tables()
    assert database.rows("SELECT COUNT(*) FROM mfa_recovery_codes") == [(1,)]
