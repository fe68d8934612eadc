"""PostgreSQL commits a second with the audit chain, at 1, 4 and 8 connections.

    python -m benchmarks.audit_chain --db postgresql+psycopg://postgres@127.0.0.1/marac_bench_audit

Each transaction is what a page does: a small read, one audit event, 5 ms of work (`--work-ms`;
the rest of the request) and the commit. Three ways, in one run:

- `early`: the event inserted when it is recorded, before the work (as every page did before
  models.audit.add_at_commit): the chain's lock is held for the work too;
- `at commit`: the event inserted by the commit, after the work (what the app does now);
- `unchained`: the chaining trigger switched off: the ceiling, what the chain costs.

The chain's lock is held until the COMMIT has flushed the WAL to disk, so with the event at
commit the chain allows at most one commit per WAL flush: the run first times a bare commit on
this disk (`commit latency`). `--synchronous-commit off` (the commit does not wait for the flush)
shows what is left of the chain's cost when the disk is not what limits it.

Threads, one connection each, are released together by a barrier and commit for `--seconds`.
The database is made (and migrated) for the run and dropped after it: never point this at one
with data. Writes JSON to benchmarks/results/.
"""

import argparse
import json
import platform
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from marac.services import audit as audit_service
from models import Area, AuditEvent, db

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ("early", "at commit", "unchained")


def one_transaction(mode, work_seconds):
    db.session.scalar(sa.select(Area.id).limit(1))
    if mode == "early":  # what recording did before: the INSERT (and the chain's lock) now
        db.session.add(AuditEvent(event="bench.page_viewed", record_type="case", record_id=1))
        db.session.flush()
    else:
        audit_service.record("bench.page_viewed", record_type="case", record_id=1)
    time.sleep(work_seconds)
    db.session.commit()


def measure(app, mode, connections, seconds, work_seconds):
    """Commits a second of `connections` threads doing `mode` transactions for `seconds`."""
    barrier = threading.Barrier(connections + 1)
    counts = [0] * connections
    errors = []
    stop = threading.Event()

    def run(index):
        with app.app_context():
            try:
                db.session.scalar(sa.select(1))  # connect before the clock starts
                db.session.commit()
                barrier.wait()
                while not stop.is_set():
                    one_transaction(mode, work_seconds)
                    counts[index] += 1
            except Exception as exc:  # reported after the run
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


def commit_latency(app, count=100):
    """Milliseconds of a bare one-row commit on this database (mostly the WAL flush)."""
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_commit (x int)"))
        db.session.commit()
        started = time.perf_counter()
        for _ in range(count):
            db.session.execute(sa.text("INSERT INTO bench_commit VALUES (1)"))
            db.session.commit()
        latency = (time.perf_counter() - started) * 1000 / count
        db.session.execute(sa.text("DROP TABLE bench_commit"))
        db.session.commit()
        return latency


def chain_trigger(app, enabled):
    with app.app_context():
        state = "ENABLE" if enabled else "DISABLE"
        db.session.execute(sa.text(f"ALTER TABLE audit_events {state} TRIGGER audit_events_chain"))
        db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a PostgreSQL database to create, use and drop")
    parser.add_argument("--seconds", type=float, default=5, help="how long each measurement runs")
    parser.add_argument("--work-ms", type=float, default=5)
    parser.add_argument("--connections", default="1,4,8")
    parser.add_argument("--synchronous-commit", choices=("on", "off"), default="on")
    args = parser.parse_args()
    url = sa.engine.make_url(args.db)
    if url.get_backend_name() != "postgresql":
        parser.error("PostgreSQL only: SQLite has one writer at a time whatever the chain does")
    levels = [int(level) for level in args.connections.split(",")]
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    try:
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
            SQLALCHEMY_ENGINE_OPTIONS={
                "pool_size": max(levels) + 2,
                "connect_args": {"options": f"-c synchronous_commit={args.synchronous_commit}"},
            },
        )
        with app.app_context():
            upgrade()
            db.session.add(Area(name="Benchmark"))
            db.session.commit()
        latency = commit_latency(app)
        print(f"commit latency: {latency:.2f} ms (synchronous_commit {args.synchronous_commit})", flush=True)
        results = {}
        for mode in MODES:
            chain_trigger(app, mode != "unchained")
            for connections in levels:
                rate = measure(app, mode, connections, args.seconds, args.work_ms / 1000)
                results.setdefault(mode, {})[connections] = round(rate)
                print(f"{mode:>10}  {connections} connections: {rate:7.0f} commits/s", flush=True)
        chain_trigger(app, True)
        with app.app_context():
            report = audit_service.verify_chain()
            print(
                f"chain: {report.checked} events checked, {len(report.problems)} problems "
                "(the unchained ones are expected)"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        server.dispose()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"audit_chain-{args.synchronous_commit}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "work_ms": args.work_ms,
                "seconds": args.seconds,
                "synchronous_commit": args.synchronous_commit,
                "commit_latency_ms": round(latency, 2),
                "machine": platform.node(),
                "commits_per_second": results,
            },
            indent=2,
        )
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
