"""Make a benchmark database: migrate it, then fill it with synthetic data.

python -m benchmarks.seed --db sqlite:////tmp/marac_area.db --scale area
python -m benchmarks.seed --db postgresql+psycopg://postgres@127.0.0.1/marac_bench --scale area
"""

import argparse
import json
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks import synthetic
from marac import create_app
from models import db

RESULTS = Path(__file__).resolve().parent / "results"


def app_for(url, **overrides):
    """The app as the benchmarks run it: development settings (no two-factor, console mail),
    rate limits off, on the given database."""
    return create_app("development", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, **overrides)


def build_figures(app):
    """The dashboard's summary tables as the scheduler's nightly job builds them (services/rollups.py):
    a benchmark reads what production reads."""
    from marac.services import rollups
    from models import db
    from models.clock import utcnow

    with app.app_context():
        started = time.perf_counter()
        rollups.rebuild(utcnow())
        db.session.commit()
        return time.perf_counter() - started


def seed(app, scale, *, progress=print):
    """Migrate (when empty) and generate; returns a summary dict (also written to results/).
    Never under the production config."""
    from marac.services import accounts

    if not app.config["DEMO_DATA_ALLOWED"]:
        raise RuntimeError("Synthetic data is refused under the production config.")
    with app.app_context():
        if "areas" not in sa.inspect(db.engine).get_table_names():
            started = time.perf_counter()
            upgrade()
            progress(f"migrated in {time.perf_counter() - started:.1f} s")
        password_hash = accounts.hash_password(synthetic.PASSWORD)
        counts, seconds, heavy_agency_id = synthetic.generate(
            db.engine, scale, password_hash=password_hash, progress=progress
        )
        summary = {
            "scale": scale,
            "database": db.engine.dialect.name,
            "seconds": round(seconds, 1),
            "rows": counts,
            "total_rows": sum(counts.values()),
            "rows_per_second": round(sum(counts.values()) / seconds),
            "heavy_agency_id": heavy_agency_id,
            "password": synthetic.PASSWORD,
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"seed-{scale}-{summary['database']}.json").write_text(json.dumps(summary, indent=2) + "\n")
    progress(
        f"{scale} on {summary['database']}: {summary['total_rows']:,} rows in {seconds:.1f} s "
        f"({summary['rows_per_second']:,} rows/s); referrals {counts.get('referrals', 0):,}, "
        f"people {counts.get('people', 0):,}, actions {counts.get('actions', 0):,}"
    )
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--scale", choices=sorted(synthetic.SCALES), default="area")
    args = parser.parse_args()
    seed(app_for(args.db), args.scale)


if __name__ == "__main__":
    main()
