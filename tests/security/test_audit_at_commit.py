"""A transaction's audit events are inserted as its last statement (models/audit.py), so the
chain's lock is held only from that INSERT to the COMMIT; savepoints keep or drop their events as
before; two writers do not wait on each other's work."""

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from marac.services import audit as audit_service
from models import Area, AuditEvent, db
from tests.helpers import counted_queries, database_of_its_own


def _events():
    return db.session.scalars(sa.select(AuditEvent.event).order_by(AuditEvent.chain_seq)).all()


def test_the_events_are_inserted_after_the_rest_of_the_transaction(app):
    with counted_queries(app) as statements, app.app_context():
        audit_service.record("test.first")
        db.session.add(Area(name="Audit Last"))
        db.session.flush()  # the page's own work, flushed after its event was recorded
        audit_service.record("test.second")
        assert _events() == []  # not yet: the events wait for the commit
        db.session.commit()
    inserts = [statement.split()[2] for statement in statements if statement.lstrip().upper().startswith("INSERT")]
    assert inserts[0] == "areas" and set(inserts[1:]) == {"audit_events"}
    assert statements[-1].lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS")  # nothing after it
    with app.app_context():
        assert _events() == ["test.first", "test.second"]
        assert audit_service.verify_chain().ok


def test_a_savepoint_rolled_back_drops_its_events_and_one_released_keeps_them(app):
    with app.app_context():
        audit_service.record("test.before")
        with pytest.raises(RuntimeError), db.session.begin_nested():
            audit_service.record("test.undone")
            with db.session.begin_nested():
                audit_service.record("test.undone_inner")
            raise RuntimeError
        with db.session.begin_nested():
            audit_service.record("test.kept")
            with db.session.begin_nested():
                audit_service.record("test.kept_inner")
        db.session.commit()
        assert _events() == ["test.before", "test.kept", "test.kept_inner"]


def test_a_transaction_rolled_back_leaves_no_events_for_the_next(app):
    with app.app_context():
        audit_service.record("test.undone")
        db.session.rollback()
        audit_service.record("test.kept")
        db.session.commit()
        assert _events() == ["test.kept"]


@pytest.fixture
def own_app(database_url, tmp_path):
    with database_of_its_own(database_url, "auditlock", tmp_path / "auditlock.db") as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_writer_does_not_wait_for_another_transactions_work(own_app, database_url):
    """With the event inserted early, the second writer would queue on the chain's lock until the
    first one commits, and the first one waits for the second: both stuck."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time whatever the audit trail does")
    working, second_done = threading.Event(), threading.Event()
    failures = []

    def first():
        with own_app.app_context():
            try:
                audit_service.record("test.first")
                db.session.scalar(sa.select(Area.id).limit(1))  # work after the event (autoflush)
                working.set()
                assert second_done.wait(10), "the second writer waited for this transaction"
                db.session.commit()
            except Exception as exc:  # reported below
                failures.append(exc)
                working.set()

    def second():
        with own_app.app_context():
            try:
                assert working.wait(10)
                db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                audit_service.record("test.second")
                db.session.commit()
            except Exception as exc:  # reported below
                failures.append(exc)
            finally:
                second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with own_app.app_context():
        assert _events() == ["test.second", "test.first"]
        assert audit_service.verify_chain().ok
