"""A database of a test's own, moved between revisions by Alembic, written and read in plain SQL
(the models describe only the newest schema), and the two checks every revision's tests make."""

import json
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from marac import create_app
from models import db
from tests.migrations import rows

SCRIPTS = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))


def revisions():
    """Every revision, oldest first."""
    return [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]


def revision_before(revision):
    """The revision `revision` revises, or "base" for the first."""
    return SCRIPTS.get_revision(revision).down_revision or "base"


class Database:
    def __init__(self, url):
        self.app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)

    @property
    def dialect(self):
        return db.engine.dialect.name

    def upgrade(self, revision):
        if revision != "base":
            upgrade(revision=revision)

    def downgrade(self, revision):
        downgrade(revision=revision)

    def execute(self, sql, params=None):
        with db.engine.begin() as connection:
            connection.execute(sa.text(sql), params or {})

    def insert(self, table, *rows):
        """INSERT the rows (dicts of column: value, all with the same columns); a dict or list
        value goes in as JSON text."""
        columns = list(rows[0])
        placeholders = ", ".join(f":{name}" for name in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 (the tests' own names)
        self.execute(sql, [{name: _sql_value(value) for name, value in row.items()} for row in rows])

    def rows(self, sql, **params):
        with db.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).all()

    def tables(self):
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}

    def columns(self, table):
        return [column["name"] for column in sa.inspect(db.engine).get_columns(table)]

    def index_sql(self, name):
        """The CREATE INDEX statement of an index as the database keeps it (None if there is none)."""
        if self.dialect == "sqlite":
            found = self.rows("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name", name=name)
        else:
            found = self.rows("SELECT indexdef FROM pg_indexes WHERE indexname = :name", name=name)
        return found[0][0] if found else None

    def schema(self):
        """Each table's columns, primary key, indexes (with their definitions), unique constraints
        and foreign keys, as the database reports them."""
        inspector = sa.inspect(db.engine)
        schema = {}
        for table in self.tables():
            schema[table] = {
                "columns": [
                    (column["name"], str(column["type"]), column["nullable"], column["default"])
                    for column in inspector.get_columns(table)
                ],
                "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (index["name"], index["column_names"], index["unique"], self.index_sql(index["name"]))
                    for index in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    (constraint["name"], constraint["column_names"])
                    for constraint in inspector.get_unique_constraints(table)
                ),
                "foreign keys": sorted(
                    (
                        key["name"],
                        key["constrained_columns"],
                        key["referred_table"],
                        key["referred_columns"],
                        key["options"].get("ondelete"),
                    )
                    for key in inspector.get_foreign_keys(table)
                ),
            }
        return schema

    def snapshot(self):
        """Every row of every table: {table: {primary key: {column: value}}}."""
        snapshot = {}
        with db.engine.connect() as connection:  # one connection: on SQLite each holds the write lock
            inspector = sa.inspect(connection)
            for table in self.tables():
                key = inspector.get_pk_constraint(table)["constrained_columns"]
                rows = connection.execute(sa.text(f"SELECT * FROM {table}")).mappings()  # noqa: S608 (reflected names)
                snapshot[table] = {tuple(row[column] for column in key): dict(row) for row in rows}
        return snapshot


def _sql_value(value):
    return json.dumps(value) if isinstance(value, dict | list) else value


def load(database, through):
    """The rows of tests/migrations/rows.py of every revision up to `through` ("base": none)."""
    if through == "base":
        return
    chain = revisions()
    for revision in chain[: chain.index(through) + 1]:
        if revision in rows.LOADERS:
            rows.LOADERS[revision](database)


def upgrade_keeps_the_data(database, revision):
    """From an empty database: up to the revision before `revision`, with rows in every table,
    then up to `revision`. Every table and every row must still be there, with the same values in
    the columns it had. Returns the rows from before the upgrade."""
    before = revision_before(revision)
    database.upgrade(before)
    load(database, through=before)
    earlier = database.snapshot()
    database.upgrade(revision)
    later = database.snapshot()
    assert earlier.keys() <= later.keys(), f"tables gone: {sorted(earlier.keys() - later.keys())}"
    assert_kept(earlier, later)
    return earlier


def downgrade_keeps_the_data(database, revision):
    """From an empty database: up to `revision`, with rows in every table (those it made too), then
    down to the revision before. The schema must be exactly that of the revision before, and every
    row of every table still there must be kept, with the same values in the columns that remain.
    Returns the rows from before the downgrade."""
    before = revision_before(revision)
    database.upgrade(before)
    older_schema = database.schema()
    database.upgrade(revision)
    load(database, through=revision)
    earlier = database.snapshot()
    database.downgrade(before)
    schema = database.schema()
    differences = {
        table: {"expected": older_schema.get(table), "found": schema.get(table)}
        for table in older_schema.keys() | schema.keys()
        if older_schema.get(table) != schema.get(table)
    }
    assert not differences, differences
    assert_kept(earlier, database.snapshot())
    return earlier


def assert_kept(earlier, later):
    """Every table in both has the same rows (by primary key), with the same values in the
    columns both have."""
    problems = []
    for table in sorted(earlier.keys() & later.keys()):
        before, after = earlier[table], later[table]
        if before.keys() != after.keys():
            problems.append((table, "rows lost or added", sorted(before.keys() ^ after.keys())))
            continue
        for key, row in before.items():
            changed = {
                name: (value, after[key][name])
                for name, value in row.items()
                if name in after[key] and after[key][name] != value
            }
            if changed:
                problems.append((table, key, changed))
    assert not problems, problems
