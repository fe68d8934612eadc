"""The audit trail: who did or saw what, when. Never the personal data itself.

The table is append-only and hash-chained, both enforced by the database itself (the triggers are
made by the migration b2d1be6f2018 from the SQL below):

- an UPDATE, DELETE (or, on PostgreSQL, TRUNCATE) of a row is refused;
- every inserted row, however it is inserted, is given the next `chain_seq`, the `row_hash` of
  the row before it (`prev_hash`) and its own `row_hash`: the SHA-256 of its canonical text,
  which covers the sequence number, the previous hash and every field. Changing or removing a
  row breaks the chain from there on, and `flask marac verify-audit` finds it.

The trigger SQL lives in that migration (frozen there, as migrations never import models);
`canonical_sql` below must produce the same text, which the chain tests check end to end.

Writers are serialised while they chain: PostgreSQL takes a transaction-level advisory lock in
the trigger, SQLite allows one writer at a time and refuses a write from a stale snapshot. A
unique `chain_seq` is the last line of defence against a fork.

That lock is held until the transaction ends, so the application inserts a transaction's events
last: `add_at_commit` keeps them on the session and its commit inserts them after everything else
was flushed, and the lock is held only from that INSERT to the COMMIT (at 8 connections with 5 ms
of work a transaction, 156 commits a second with the events inserted early; benchmarks/README.md).
A query in the same transaction does not see its own events before the commit.

The chain columns are filled in by the database: on an object just added they stay None in
memory (read the row again to see them).
"""

import hashlib
import sqlite3
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Session, UTCDateTime, db
from models.clock import utcnow

CHAIN_VERSION = "v1"
GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key for chaining ("MARAC" + "audit", arbitrary but fixed).
CHAIN_LOCK_KEY = 7277_2782_8339

# The canonical text covers these columns, in this order.
CHAIN_FIELDS = (
    "chain_seq",
    "prev_hash",
    "occurred_at",
    "event",
    "user_id",
    "agency_id",
    "roles",
    "ip_address",
    "record_type",
    "record_id",
    "detail",
)


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Who, as they were at the time: their agency and roles can change later.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    roles: Mapped[str | None] = mapped_column(sa.String(200))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    record_type: Mapped[str | None] = mapped_column(sa.String(40))
    record_id: Mapped[int | None]
    # Ids, counts and field names only.
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    # The hash chain, set by the database on insert (see the module's docstring).
    chain_seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self):
        return f"<AuditEvent {self.id} {self.event}>"


# -- The canonical text, as SQL, the same for the trigger and for verification -----------------


def _field_text(dialect, prefix, column):
    if dialect == "postgresql" and column == "occurred_at":
        return f"to_char({prefix}occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')"
    return f"CAST({prefix}{column} AS TEXT)"


def canonical_sql(dialect, prefix=""):
    """A SQL expression for a row's canonical text: each field as its length, a colon and its
    text (or '-' for NULL), joined by '|', after a version tag. Unambiguous whatever the values.

    `prefix` names the row: "NEW." in a PostgreSQL trigger, "" for the table's own columns.
    """
    pieces = [f"'{CHAIN_VERSION}'"]
    for column in CHAIN_FIELDS:
        text = _field_text(dialect, prefix, column)
        pieces.append(f"(CASE WHEN {text} IS NULL THEN '-' ELSE CAST(length({text}) AS TEXT) || ':' || {text} END)")
    return " || '|' || ".join(pieces)


def row_hash_of(canonical_text):
    return hashlib.sha256(canonical_text.encode("utf-8")).hexdigest()


def _sqlite_sha256(text):
    return None if text is None else row_hash_of(str(text))


@sa.event.listens_for(sa.engine.Engine, "connect")
def _register_sqlite_sha256(dbapi_connection, _record):
    """The SQLite trigger hashes with this function; PostgreSQL has sha256() built in."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("marac_sha256", 1, _sqlite_sha256, deterministic=True)


# -- A transaction's events, inserted as its last statement (see the module's docstring) --------

_PENDING = "audit_events_pending"


def add_at_commit(session, event):
    """Insert `event` when the session commits, after the rest of its changes. An event added in
    a savepoint that is rolled back is dropped with it, as an event flushed there would be."""
    if not session.in_transaction():  # begun now, so that a rollback ends it (and drops the event)
        session.begin()
    session.info.setdefault(_PENDING, []).append((event, session.get_nested_transaction()))


@sa.event.listens_for(Session, "before_commit")
def _insert_pending_events(session):
    if session.in_nested_transaction():  # a savepoint released: its events wait for the commit
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the transaction's own changes first: the chain's lock is taken last
        session.add_all([event for event, _savepoint in pending])
        session.flush()


@sa.event.listens_for(Session, "after_commit")
def _savepoint_released(session):
    """Events of a released savepoint now belong to the transaction around it."""
    savepoint = session.get_nested_transaction()
    if savepoint is None or not session.info.get(_PENDING):
        return
    outer = savepoint.parent if savepoint.parent.nested else None
    session.info[_PENDING] = [(event, outer if at is savepoint else at) for event, at in session.info[_PENDING]]


@sa.event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction):
    """A savepoint rolled back takes its events with it (one released moved them on, above); the
    end of the whole transaction, committed or not, leaves none."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
    elif session.info.get(_PENDING):
        session.info[_PENDING] = [(event, at) for event, at in session.info[_PENDING] if at is not transaction]
