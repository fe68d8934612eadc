"""Backups of the embedded SQLite database, and checking a backup before trusting it.

SQLite: the online backup API copies a consistent snapshot while the service keeps running and
writing (WAL: readers and the copy do not block writers). The copy is made beside the target
under a temporary name, readable by its owner only, checked, then renamed into place.

PostgreSQL: use pg_dump / pg_restore (README, "Backups"); `flask marac verify-audit` and
`flask db current` check a restored database.

A backup holds everything the live database holds (special category data): keep it encrypted,
off the server, and for no longer than the retention policy says (SECURITY.md).
"""

import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from marac.services.audit import verify_chain
from models import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class BackupError(Exception):
    pass


def migration_head():
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def backup_sqlite(engine, target):
    """Copy the live SQLite database to `target` (which must not exist). Returns the check."""
    if engine.dialect.name != "sqlite":
        raise BackupError("Only the embedded SQLite database is backed up here: use pg_dump for PostgreSQL.")
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    # Created readable by its owner only, before any data goes into it.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        raw = engine.raw_connection()
        try:
            destination = sqlite3.connect(partial)
            try:
                raw.driver_connection.backup(destination)  # one step: one consistent snapshot
                # A single self-contained file (no -wal beside it).
                destination.execute("PRAGMA journal_mode = DELETE")
            finally:
                destination.close()
        finally:
            raw.close()
        report = check_sqlite_backup(partial)
        if not report["ok"]:
            raise BackupError(f"The copy failed its check: {report['problems']}")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def check_sqlite_backup(path):
    """Integrity, migration head, audit chain and row counts of a SQLite backup file."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    problems = []
    # Read-only, so that checking a backup never changes it.
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
    try:
        with engine.connect() as connection:
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            if integrity != ["ok"]:
                problems.append(f"integrity check: {'; '.join(integrity[:5])}")
            tables = set(sa.inspect(connection).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            head = migration_head()
            if revision != head:
                problems.append(f"migration {revision}, expected {head}")
            counts = {
                name: connection.execute(sa.select(sa.func.count()).select_from(db.metadata.tables[name])).scalar()
                for name in sorted(tables & set(db.metadata.tables))
            }
            chain = verify_chain(connection=connection) if "audit_events" in tables else None
            if chain is not None and not chain.ok:
                problems.append(f"audit chain: {len(chain.problems)} problems")
    finally:
        engine.dispose()
    return {
        "ok": not problems,
        "problems": problems,
        "revision": revision,
        "counts": counts,
        "audit_events": chain.checked if chain else 0,
        "audit_head": (chain.head_seq, chain.head_hash) if chain else None,
    }
