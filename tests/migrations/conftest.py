"""The database a migration test moves up and down."""

import pytest

from models import db
from tests.migrations.database import Database


@pytest.fixture
def database(empty_database_url):
    """An empty database of the test's own (SQLite or PostgreSQL, as the suite runs), at no
    revision, inside its app's context."""
    database = Database(empty_database_url)
    with database.app.app_context():
        yield database
        db.engine.dispose()
