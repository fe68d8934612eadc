"""Helpers for tests: signing in and posting forms as a browser does, counting the queries a page
runs, and a database of a test's own."""

import os
import re
from contextlib import contextmanager

import sqlalchemy as sa

from models import db
from tests.factories import PASSWORD

# The database the suite runs on: SQLite in a temporary file when unset, else the one named
# (`make test` sets it from TEST_DATABASE_URL for the PostgreSQL run).
TEST_DB = os.environ.get("MARAC_TEST_DB") or None

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html):
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email, password=PASSWORD):
    page = client.get("/auth/login")
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def signed_in(app, email):
    """A test client of its own, signed in as `email`."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


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


@contextmanager
def database_of_its_own(server_url, name, sqlite_file):
    """A new, empty database for what cannot share the per-test transaction (other processes, the
    migrations): the SQLite file `sqlite_file` when `server_url` is SQLite; on PostgreSQL the
    database `<server_url's database>_<name>` on the same server, dropped at the end."""
    if server_url.startswith("sqlite"):
        yield f"sqlite:///{sqlite_file}"
        return
    url = sa.engine.make_url(server_url)
    own = f"{url.database}_{name}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{own}"'))
    try:
        yield url.set(database=own).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        server.dispose()
