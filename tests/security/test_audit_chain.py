"""The audit log is append-only (the database refuses changes) and hash-chained (a change or a
removal made behind the database's back is found by `flask marac verify-audit`)."""

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from marac.services import audit as audit_service
from models import AuditEvent, Role, db
from models.base import configure_sqlite
from tests.helpers import sign_in


def _dialect():
    return db.session.get_bind().dialect.name


def _write_events(app, count):
    with app.app_context():
        for number in range(count):
            audit_service.record("test.event", record_type="case", record_id=number, number=number)
        db.session.commit()
        return db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.chain_seq)).all()


def _rows(app):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.chain_seq, AuditEvent.prev_hash, AuditEvent.row_hash).order_by(
                AuditEvent.chain_seq
            )
        ).all()


def _without_append_only_triggers():
    """What someone with the database's keys could do: switch off the guard (in the test's
    transaction, so it comes back when the test ends)."""
    if _dialect() == "sqlite":
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))
    else:
        db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))


def test_every_event_is_chained_by_the_database(app, client, make):
    person = make.user(Role.ADMIN)
    sign_in(client, person.email, "wrong")
    sign_in(client, person.email)
    client.get("/admin/users")
    _write_events(app, 3)
    rows = _rows(app)
    assert [row.chain_seq for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == "0" * 64
    assert all(row.prev_hash == before.row_hash for before, row in zip(rows, rows[1:], strict=False))
    assert len({row.row_hash for row in rows}) == len(rows)
    with app.app_context():
        report = audit_service.verify_chain()
    assert report.ok and report.checked == len(rows) and report.head_seq == len(rows)


def test_a_row_inserted_with_plain_sql_is_chained_too(app):
    _write_events(app, 1)
    with app.app_context():
        db.session.execute(
            sa.text("INSERT INTO audit_events (occurred_at, event) VALUES (:at, 'test.raw')"),
            {"at": "2026-01-02 03:04:05.000006"},
        )
        db.session.commit()
        # The chain is the database's to set: a row that brings values of its own is refused.
        for column, value in (("chain_seq", 99), ("prev_hash", "x"), ("row_hash", "x")):
            with pytest.raises(sa.exc.DBAPIError, match="the database sets the chain"), db.session.begin_nested():
                db.session.execute(
                    sa.text(f"INSERT INTO audit_events (occurred_at, event, {column}) VALUES (:at, 'test.forged', :v)"),  # noqa: S608
                    {"at": "2026-01-02 03:04:05", "v": value},
                )
        assert audit_service.verify_chain().ok
        assert db.session.scalar(sa.select(sa.func.max(AuditEvent.chain_seq))) == 2


def test_verify_audit_passes_on_an_intact_log(app, runner):
    _write_events(app, 4)
    result = runner.invoke(args=["marac", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "4 audit events checked" in result.output and "intact" in result.output


def test_the_database_refuses_to_update_an_event(app):
    _write_events(app, 2)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text("UPDATE audit_events SET event = 'test.changed'"))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text("UPDATE audit_events SET row_hash = NULL"))
        assert set(db.session.scalars(sa.select(AuditEvent.event))) == {"test.event"}


def test_the_database_refuses_to_delete_an_event(app):
    _write_events(app, 2)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text("DELETE FROM audit_events"))
        if _dialect() == "postgresql":
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
                db.session.execute(sa.text("TRUNCATE audit_events"))
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 2


def test_the_orm_cannot_change_or_delete_an_event_either(app):
    _write_events(app, 1)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent)).one()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            event.event = "test.changed"
            db.session.flush()
        db.session.expire_all()
        event = db.session.scalars(sa.select(AuditEvent)).one()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.delete(event)
            db.session.flush()


def test_a_changed_event_is_found(app, runner):
    ids = _write_events(app, 5)
    with app.app_context():
        _without_append_only_triggers()
        db.session.execute(sa.text("UPDATE audit_events SET record_id = 999 WHERE id = :id"), {"id": ids[2]})
        db.session.commit()
    result = runner.invoke(args=["marac", "verify-audit"])
    assert result.exit_code == 1
    assert f"BROKEN: event id {ids[2]} (sequence 3): changed since it was written" in result.output
    assert "tampered with" in result.output


def test_a_changed_event_with_its_hash_recomputed_is_found_at_the_next_link(app):
    """Recomputing the changed row's own hash does not help: the next row names the old one."""
    ids = _write_events(app, 3)
    with app.app_context():
        _without_append_only_triggers()
        db.session.execute(sa.text("UPDATE audit_events SET record_id = 999 WHERE id = :id"), {"id": ids[1]})
        from models.audit import canonical_sql, row_hash_of

        text = db.session.scalar(
            sa.text(f"SELECT {canonical_sql(_dialect())} FROM audit_events WHERE id = :id"),  # noqa: S608
            {"id": ids[1]},
        )
        db.session.execute(
            sa.text("UPDATE audit_events SET row_hash = :hash WHERE id = :id"),
            {"hash": row_hash_of(text), "id": ids[1]},
        )
        report = audit_service.verify_chain()
    assert [(problem.event_id, problem.problem) for problem in report.problems] == [
        (ids[2], "does not follow on from the event before it")
    ]


def test_a_removed_event_is_found(app, runner):
    ids = _write_events(app, 5)
    with app.app_context():
        _without_append_only_triggers()
        db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
    result = runner.invoke(args=["marac", "verify-audit"])
    assert result.exit_code == 1
    assert f"event id {ids[2]} (sequence 3): events 2 to 2 are missing" in result.output
    assert f"event id {ids[2]} (sequence 3): does not follow on from the event before it" in result.output


def test_events_removed_from_the_end_are_found_against_an_anchor(app, runner):
    _write_events(app, 4)
    result = runner.invoke(args=["marac", "verify-audit"])
    anchor = result.output.split("next time): ")[1].split()[0]
    assert anchor.startswith("4:")
    with app.app_context():
        _without_append_only_triggers()
        db.session.execute(sa.text("DELETE FROM audit_events WHERE chain_seq = 4"))
        db.session.commit()
    assert runner.invoke(args=["marac", "verify-audit"]).exit_code == 0  # what is left is a valid chain
    result = runner.invoke(args=["marac", "verify-audit", "--anchor", anchor])
    assert result.exit_code == 1
    assert "the anchored event is missing" in result.output


def test_a_bad_anchor_is_explained(runner):
    result = runner.invoke(args=["marac", "verify-audit", "--anchor", "nonsense"])
    assert result.exit_code == 2 and "SEQ:HASH" in result.output


def test_the_nightly_check_reports_counts_only(app):
    from datetime import UTC, datetime

    from marac.services import scheduler

    _write_events(app, 2)
    [result] = scheduler.run_due(app, datetime(2026, 1, 5, 3, 0, tzinfo=UTC), names=["audit_check"])
    assert result.outcome == "done"
    assert result.detail == {"checked": 2, "problems": 0, "head_seq": 2}


def test_audit_details_refuse_free_text(app):
    with app.app_context():
        audit_service.record("test.ok", fields=["name", "date_of_birth"], count=3, reason="credentials", ok=True)
        for value in ("Jane Smith", "12 Mill Lane", "<script>", "x" * 65, {"nested": 1}):
            with pytest.raises(ValueError, match="never free text") as raised:
                audit_service.record("test.bad", value=value)
            assert str(value) not in str(raised.value)


# -- On a database of its own: committed writes from several connections, and the migration ----


def _engine(url):
    engine = sa.create_engine(url)
    configure_sqlite(engine)
    return engine


def test_writers_at_the_same_time_keep_one_chain(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    engine = _engine(empty_database_url)
    errors = []

    def writer(number):
        try:
            for event in range(10):
                with engine.begin() as connection:
                    for _ in range(3):
                        connection.execute(
                            sa.text(
                                "INSERT INTO audit_events (occurred_at, event, record_id) "
                                "VALUES (CURRENT_TIMESTAMP, 'test.concurrent', :n)"
                            ),
                            {"n": number * 100 + event},
                        )
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with engine.connect() as connection:
        report = audit_service.verify_chain(connection=connection)
    engine.dispose()
    assert report.ok, report.problems
    assert report.checked == 4 * 10 * 3


def test_the_migration_chains_events_written_before_it(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="a1c0ad5e1f07")
        with db.engine.begin() as connection:
            for number in range(3):
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_events (occurred_at, event, record_id, detail) VALUES (:at, :e, :n, :d)"
                    ),
                    {
                        "at": f"2026-01-0{number + 1} 10:00:00.000000",
                        "e": "old.event",
                        "n": number,
                        "d": '{"count": 1}',
                    },
                )
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO audit_events (occurred_at, event) VALUES (CURRENT_TIMESTAMP, 'new.event')")
            )
        with db.engine.connect() as connection:
            report = audit_service.verify_chain(connection=connection)
            seqs = connection.execute(sa.text("SELECT id, chain_seq FROM audit_events ORDER BY id")).all()
        db.engine.dispose()
    assert report.ok, report.problems
    assert [seq for _id, seq in seqs] == [1, 2, 3, 4]
