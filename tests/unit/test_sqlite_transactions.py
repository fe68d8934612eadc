"""SQLite under several workers (models/base.py, configure_sqlite): a page being shown reads
beside the others, and its audit event is still written when another worker wrote meanwhile."""

import pytest
import sqlalchemy as sa

from marac import _showing_a_page
from models.base import configure_sqlite


def _engine(path, reading):
    engine = sa.create_engine(f"sqlite:///{path}")
    configure_sqlite(engine, reads_first=lambda: reading[0])
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, what TEXT)")
    return engine


def _events(engine):
    """What the events table holds, read afresh."""
    with engine.connect() as check:
        return check.execute(sa.text("SELECT what FROM events ORDER BY id")).scalars().all()


def test_a_page_reads_beside_a_writer_and_still_writes_its_audit_event(tmp_path):
    reading = [False]
    engine = _engine(tmp_path / "shared.db", reading)
    page, other_worker = engine.connect(), engine.connect()

    reading[0] = True  # a GET: its transaction begins without the write lock
    page.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
    reading[0] = False
    # Another worker writes and commits while the page is still reading: no lock stood in its way.
    with other_worker.begin():
        other_worker.execute(sa.text("INSERT INTO events (what) VALUES ('referral sent')"))
    # Plain SQLite refuses this write at once ("database is locked": the reading is out of date);
    # here the page ends its reading and writes with the lock.
    page.execute(sa.text("INSERT INTO events (what) VALUES ('page viewed')"))
    page.commit()

    assert _events(engine) == ["referral sent", "page viewed"]
    page.close()
    other_worker.close()
    engine.dispose()


def test_other_transactions_take_the_write_lock_at_once(tmp_path):
    reading = [False]
    engine = _engine(tmp_path / "shared.db", reading)
    with engine.connect() as form:
        form.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()  # a POST: BEGIN IMMEDIATE
        raw = sa.create_engine(f"sqlite:///{tmp_path / 'shared.db'}", connect_args={"timeout": 0})
        with raw.connect() as other:
            try:
                other.execute(sa.text("INSERT INTO events (what) VALUES ('too soon')"))
                other.commit()
                took_lock = False
            except sa.exc.OperationalError as error:
                took_lock = "locked" in str(error)
        raw.dispose()
        form.rollback()
    assert took_lock, "the first reader of a form's transaction holds the write lock"
    engine.dispose()


def test_a_page_that_cannot_get_the_write_lock_fails_cleanly_and_keeps_nothing(tmp_path):
    reading = [True]
    engine = _engine(tmp_path / "shared.db", reading)
    page, other_worker = engine.connect(), engine.connect()
    page.exec_driver_sql("PRAGMA busy_timeout = 0")  # fail at once rather than after 5 s
    page.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
    reading[0] = False
    other_worker.begin()
    other_worker.execute(sa.text("INSERT INTO events (what) VALUES ('a long form')"))  # holds the lock

    with pytest.raises(sa.exc.OperationalError, match="locked"):
        page.execute(sa.text("INSERT INTO events (what) VALUES ('page viewed')"))
    # The page is still in a transaction, as SQLAlchemy believes: what it writes next is undone.
    other_worker.rollback()
    page.execute(sa.text("INSERT INTO events (what) VALUES ('after the failure')"))
    page.rollback()

    assert _events(engine) == []
    page.close()
    other_worker.close()
    engine.dispose()


def test_a_savepoint_in_a_page_takes_the_write_lock(tmp_path):
    reading = [True]
    engine = _engine(tmp_path / "shared.db", reading)
    with engine.connect() as page:
        page.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
        with page.begin_nested():  # would be lost by the COMMIT that ends a reading
            page.execute(sa.text("INSERT INTO events (what) VALUES ('in a savepoint')"))
        page.commit()
    assert _events(engine) == ["in a savepoint"]
    engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "reads_first"),
    [
        ("GET", "/", True),
        ("HEAD", "/actions/", True),
        ("POST", "/actions/", False),
        ("GET", "/auth/two-factor/setup", False),  # makes a secret when there is none
        ("GET", "/auth/resume", False),  # hands a kept form back once
    ],
)
def test_which_requests_read_first(app, method, path, reads_first):
    with app.test_request_context(path, method=method):
        assert _showing_a_page() is reads_first
