"""The database object, the shared column types and the SQLite connection settings."""

import sqlite3
from datetime import UTC

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

# Constraint names that Alembic can find again on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """A UTC timestamp that reads back timezone-aware on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def pointer_index(table, column):
    """An index of the rows where a mostly empty pointer (a correction's original, a repeat's
    earlier referral) is set. Deleting a row it points to must find the rows that point at it
    without scanning the table. Partial, because an index of NULLs looks useless to SQLite's
    planner once ANALYZE has run, and the planner then scans the table instead."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(f"ix_{table}_{column}", column, sqlite_where=where, postgresql_where=where)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """A record edited in place, with optimistic locking: every UPDATE or DELETE of its row says
    `WHERE id = :id AND version = :version_read` and moves the version on by one (SQLAlchemy's
    version_id_col). If another request saved the row since this one read it, no row matches and
    the flush raises StaleRecord. A form or an API request that shows the version compares it with
    the row's first (marac/services/versions.py, expect)."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class StaleRecord(Exception):
    """Someone saved the record since it was read: the conflict page, or 409 through the API."""


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, honouring an explicit bind, whose flush tells a versioned
    record written by someone else since it was read (StaleRecord) from any other failure.

    The tests bind the session to a connection inside an outer transaction that they roll back;
    Flask-SQLAlchemy's own get_bind would ignore that bind and use the engine.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def flush(self, objects=None):
        try:
            super().flush(objects)
        except StaleDataError as error:  # an UPDATE or DELETE matched no row: the version moved on
            raise StaleRecord(str(error)) from error


# Objects stay readable after a commit: a view records its audit event and commits, then renders
# what it loaded, without reloading each row.
db = SQLAlchemy(model_class=Base, session_options={"class_": Session, "expire_on_commit": False})


def insert_if_absent(table, **values):
    """INSERT ... ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike: a row that two requests
    add at the same moment (a link row keyed on both its ids) is added once, and neither fails on
    the key. Reading first and inserting if missing lets both through the read."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(insert(table).values(**values).on_conflict_do_nothing())


def engine_options(url, options):
    """The engine's options for this database URL.

    PostgreSQL through psycopg 3, tuned for many short requests at once (settings given in
    connect_args are kept, and come after ours):
    - no server-side prepared statements: psycopg prepares a query once it has run five times,
      and PostgreSQL may then plan it once for any values (a generic plan): victim matching's
      lookup of blocking keys went from 40 ms to 6 s at national scale;
    - no JIT: it compiles for queries it wrongly thinks are large, adding 10 ms to lookups of 1 ms;
    - no parallel workers: starting them cost more than the lookups they shared (the action list's
      meeting filter: 17 ms in parallel, 0.4 ms by index), and they take cores from other requests.
    """
    if sa.engine.make_url(url).get_driver_name() != "psycopg":
        return options
    connect_args = options.get("connect_args", {})
    settings = f"-c jit=off -c max_parallel_workers_per_gather=0 {connect_args.get('options', '')}".strip()
    return {**options, "connect_args": {**connect_args, "prepare_threshold": None, "options": settings}}


# Statements that need the write lock (a savepoint too: the COMMIT that ends a reading would end it).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


def configure_sqlite(engine, reads_first=lambda: False):
    """Per-connection SQLite settings, and SQLAlchemy's recipe for real transactions on pysqlite.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we turn it off and
    emit BEGIN ourselves. A transaction that reads and then writes cannot wait for another
    worker's lock: once someone else has written since it began reading, it fails at once with
    "database is locked". So a transaction takes the write lock up front (BEGIN IMMEDIATE), and
    the busy timeout queues writers, unless `reads_first()` says it mostly reads (a page being
    shown): it then reads beside the other workers, and at its first write (the audit event of
    the page) ends its reading and starts again with the write lock. What such a transaction
    writes must not depend on what it read: a page's audit event, the session's last-seen time
    and conditional updates (marking notifications read, ending a session still open) do not.
    PostgreSQL remains the database for many workers.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "foreign_keys = ON",
            "journal_mode = WAL",
            "busy_timeout = 5000",
            "secure_delete = ON",
            "synchronous = NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.info["reading"] = reads_first()
        connection.exec_driver_sql("BEGIN" if connection.info["reading"] else "BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection, cursor, statement, parameters, context, _executemany):
        if not connection.info.get("reading"):
            return
        compiled_write = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if compiled_write or statement.lstrip()[:9].upper().startswith(WRITES):
            connection.info["reading"] = False
            cursor.execute("COMMIT")  # nothing was written: this ends the reading
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:  # the busy timeout passed
                cursor.execute("BEGIN")  # still in a transaction, as SQLAlchemy believes, to roll back
                raise sa.exc.OperationalError(statement, parameters, error) from error

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection):
        connection.info.pop("reading", None)


def render_migration_item(type_, obj, autogen_context):
    """Alembic writes our UTCDateTime as a plain DateTime, so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False
