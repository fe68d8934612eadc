"""Backups: `flask marac backup` copies the SQLite database while it is being written to, and the
copy restores with its integrity, migration head, row counts and audit chain intact; for
PostgreSQL, the pg_dump / pg_restore commands the README gives do the same."""

import os
import shutil
import sqlite3
import stat
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from marac.services import audit as audit_service
from marac.services import backup as backup_service
from models import db
from models.base import configure_sqlite


def _live_app(url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    return app


def _events(url, count):
    """Audit events written to that database (the tests' own db.session is bound elsewhere)."""
    engine = sa.create_engine(url)
    configure_sqlite(engine)
    with engine.begin() as connection:
        for number in range(count):
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, event, record_id) "
                    "VALUES (CURRENT_TIMESTAMP, 'test.event', :n)"
                ),
                {"n": number},
            )
    engine.dispose()


def _writer(url, stop, written, errors):
    """Another process's worth of writes: a record and its audit event, in one transaction each."""
    engine = sa.create_engine(url)
    configure_sqlite(engine)
    number = 0
    try:
        while not stop.is_set() and number < 2000:
            number += 1
            with engine.begin() as connection:
                hold_id = connection.execute(
                    sa.text(
                        "INSERT INTO legal_holds (record_type, record_id, reason, placed_at) "
                        "VALUES ('case', :n, 'backup test', CURRENT_TIMESTAMP) RETURNING id"
                    ),
                    {"n": number},
                ).scalar_one()
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_events (occurred_at, event, record_type, record_id) "
                        "VALUES (CURRENT_TIMESTAMP, 'test.hold_placed', 'legal_hold', :id)"
                    ),
                    {"id": hold_id},
                )
            written.append(hold_id)
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(empty_database_url):
    if not empty_database_url.startswith("sqlite"):
        pytest.skip("the SQLite backup command; PostgreSQL has its own test below")
    return empty_database_url


def test_a_backup_taken_during_writes_restores_whole(sqlite_url, tmp_path):
    app = _live_app(sqlite_url)
    stop, written, errors = threading.Event(), [], []
    writer = threading.Thread(target=_writer, args=(sqlite_url, stop, written, errors))
    writer.start()
    try:
        while len(written) < 50 and writer.is_alive():
            time.sleep(0.01)
        target = tmp_path / "backups" / "marac.db"
        result = app.test_cli_runner().invoke(args=["marac", "backup", str(target)])
        during = len(written)
        time.sleep(0.05)
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert len(written) > during >= 50  # writes went on before, during and after the copy
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert not list(target.parent.glob(".*partial"))

    # Restore: a fresh copy of the backup file is the database of a new instance.
    restored_path = tmp_path / "restored.db"
    shutil.copy(target, restored_path)
    restored_url = f"sqlite:///{restored_path}"
    with sqlite3.connect(restored_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    restored = create_app("testing", SQLALCHEMY_DATABASE_URI=restored_url)
    engine = sa.create_engine(restored_url)
    with engine.connect() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        holds = set(connection.execute(sa.text("SELECT id FROM legal_holds")).scalars())
        audited = set(
            connection.execute(sa.text("SELECT record_id FROM audit_events WHERE event = 'test.hold_placed'")).scalars()
        )
        report = audit_service.verify_chain(connection=connection)
    engine.dispose()
    assert revision == backup_service.migration_head()
    # A consistent snapshot: every record copied has its audit event and the other way round, and
    # the copy holds a prefix of what was written.
    assert holds == audited
    assert 50 <= len(holds) < len(written)
    assert holds == set(written[: len(holds)])
    assert report.ok and report.checked == len(holds)
    result = restored.test_cli_runner().invoke(args=["marac", "check-backup", str(restored_path)])
    assert result.exit_code == 0 and "The backup is sound" in result.output
    assert f"legal_holds {len(holds)}" in result.output


def test_a_backup_never_overwrites_a_file(sqlite_url, tmp_path):
    app = _live_app(sqlite_url)
    target = tmp_path / "existing.db"
    target.write_text("precious")
    result = app.test_cli_runner().invoke(args=["marac", "backup", str(target)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert target.read_text() == "precious"


def test_a_tampered_backup_fails_its_check(sqlite_url, tmp_path):
    app = _live_app(sqlite_url)
    _events(sqlite_url, 3)
    target = tmp_path / "marac.db"
    assert app.test_cli_runner().invoke(args=["marac", "backup", str(target)]).exit_code == 0
    with sqlite3.connect(target) as connection:
        connection.execute("DROP TRIGGER audit_events_no_update")
        connection.execute("UPDATE audit_events SET record_id = 42 WHERE chain_seq = 2")
    result = app.test_cli_runner().invoke(args=["marac", "check-backup", str(target)])
    assert result.exit_code == 1
    assert "audit chain: 1 problems" in result.output


def test_a_backup_of_another_migration_is_reported(sqlite_url, tmp_path):
    app = _live_app(sqlite_url)
    target = tmp_path / "marac.db"
    assert app.test_cli_runner().invoke(args=["marac", "backup", str(target)]).exit_code == 0
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'abc123'")
    report = backup_service.check_sqlite_backup(target)
    assert not report["ok"] and report["problems"] == [f"migration abc123, expected {backup_service.migration_head()}"]


# -- PostgreSQL ---------------------------------------------------------------------------------


def test_the_backup_command_points_postgresql_to_pg_dump(app, runner, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    target = tmp_path / "never-written.db"
    result = runner.invoke(args=["marac", "backup", str(target)])
    assert result.exit_code == 1 and "pg_dump" in result.output
    assert not target.exists()


def test_pg_dump_and_pg_restore_keep_the_chain_and_the_counts(empty_database_url):
    if empty_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    app = _live_app(empty_database_url)
    with app.app_context():
        db.engine.dispose()
    _events(empty_database_url, 5)
    url = sa.engine.make_url(empty_database_url)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    restored_name = f"{url.database}_restored"
    restored_url = url.set(database=restored_name)
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored_name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{restored_name}"'))
    try:
        dump = subprocess.run(["pg_dump", "--format=custom", libpq], check=True, capture_output=True).stdout
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                restored_url.set(drivername="postgresql").render_as_string(hide_password=False),
            ],
            input=dump,
            check=True,
            capture_output=True,
        )
        engine = sa.create_engine(restored_url)
        with engine.connect() as connection:
            report = audit_service.verify_chain(connection=connection)
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                connection.execute(sa.text("DELETE FROM audit_events"))
        engine.dispose()
        assert report.ok and report.checked == 5
        assert revision == backup_service.migration_head()
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        server.dispose()
