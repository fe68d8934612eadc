"""Fixtures every test can use: app, client, runner, a database per test, factories. The plain
helpers (signing in, posting a form, counting queries) are in tests/helpers.py.

Each test runs inside a transaction that is rolled back at its end, so tests do not see each
other's data. The database is SQLite in a temporary file, or the one MARAC_TEST_DB names
(`make test` sets it from TEST_DATABASE_URL for the PostgreSQL run).
"""

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from models import db
from tests import factories
from tests.helpers import TEST_DB, database_of_its_own


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return TEST_DB or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of its own, empty, on the same server as the test database."""
    with database_of_its_own(database_url, "empty", tmp_path / "empty.db") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    """The app on the test database, emptied and brought to the newest migration."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _rolled_back_transaction(app):
    """Bind every session to one connection whose outer transaction is undone after the test."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield
    with app.app_context():
        db.session.remove()
        db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    return factories.Factory(app)


@pytest.fixture
def demo(app):
    """The demo areas, agencies and users (password factories.PASSWORD), without the demo cases."""
    from marac.services import demo as demo_service

    with app.app_context():
        demo_service.seed(factories.PASSWORD, with_cases=False)
