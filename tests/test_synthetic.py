"""The benchmarks' synthetic data (benchmarks/synthetic.py) is written row by row, outside the
models: checked here against the schema, the rules the pages rely on and the national figures it
claims, at the tiny scale (two areas, one year)."""

import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks import synthetic
from marac import create_app
from marac.services import accounts, caseload
from models import Action, Case, Referral, Support, db
from models.clock import utcnow


def test_tiny_synthetic_data_is_consistent_and_usable(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        counts, _seconds, heavy_agency = synthetic.generate(
            db.engine, "tiny", password_hash=accounts.hash_password(synthetic.PASSWORD), progress=lambda _line: None
        )
        assert counts["areas"] == 2 and counts["referrals"] > 500
        assert counts["users"] == 2 * len(synthetic.AREA_USERS) + 2  # and an administrator, a national steering user

        # Read through the engine: the tests' session is bound to the test database.
        with db.engine.connect() as connection:
            sent = connection.scalar(sa.select(sa.func.count()).where(Referral.status != "draft"))
            repeats = connection.scalar(sa.select(sa.func.count()).where(Referral.is_repeat))
            assert 0.15 < repeats / sent < 0.45  # about 31% nationally, fewer in a first year
            owned = sa.select(sa.func.count()).where(Action.owner_agency_id == heavy_agency)
            assert connection.scalar(owned) == synthetic.HEAVY_AGENCY_ACTIONS
            mismatched = (
                sa.select(sa.func.count(Action.id))
                .join(Case, Case.id == Action.case_id)
                .where(Action.area_id != Case.area_id)
            )
            assert connection.scalar(mismatched) == 0
            # The allocation queue holds the last few days' high-risk referrals, not the year's.
            waiting = connection.scalar(sa.select(sa.func.count(Case.id)).where(caseload.awaiting_allocation()))
            assert 0 < waiting < 20
            # Nothing recorded later than now, and no first contact after the support closed.
            impossible = sa.select(sa.func.count(Support.id)).where(
                sa.or_(
                    Support.intake_recorded_at > utcnow(),
                    Support.first_contact_on > sa.func.date(Support.closed_at),
                )
            )
            assert connection.scalar(impossible) == 0
            if db.engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                statistics = "SELECT COUNT(*) FROM sqlite_stat1"
            else:
                statistics = "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema()"
            # The planner's statistics were gathered and kept (without them it plans blind).
            assert connection.exec_driver_sql(statistics).scalar() > 0
        db.engine.dispose()
