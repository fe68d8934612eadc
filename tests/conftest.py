"""Fixtures every test can use: app, client, runner, a database per test, factories, helpers.

Each test runs inside a transaction that is rolled back at its end, so tests do not see each
other's data. The database is SQLite in a temporary file, or the one MARAC_TEST_DB names
(`make test` sets it from TEST_DATABASE_URL for the PostgreSQL run).
"""

import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from models import db
from tests import factories

TEST_DB = os.environ.get("MARAC_TEST_DB") or None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def reset_database():
    """An empty database at the newest migration."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return TEST_DB or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of its own, empty, on the same server as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_empty"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        reset_database()
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
        db.session.configure(bind=None, join_transaction_mode="conservative_savepoint")
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


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html):
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email, password=factories.PASSWORD):
    page = client.get("/auth/login")
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def post_form(client, url, data, *, token_from="/"):
    """POST with a valid CSRF token taken from a page of this session."""
    token = csrf_from(client.get(token_from).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


@contextmanager
def counted_queries(app):
    """The SQL statements run inside the block (transaction control not counted)."""
    with app.app_context():
        engine = db.engine
    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.IGNORECASE):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", _count)
