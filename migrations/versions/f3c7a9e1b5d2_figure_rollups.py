"""Summary tables for the reports dashboard's figures, kept up to date by the scheduler

Counts per area and month (referrals), per area, agency and quarter (actions completed of those
due), per area and day (first contact, outcomes at closure, closures by reason and satisfaction),
and when they were last built. Counts only: no personal data. Filled by the scheduler's first run
(marac/services/rollups.py); until then the dashboard computes its figures live.

Revision ID: f3c7a9e1b5d2
Revises: e3b19d7c5a20
Create Date: 2026-12-06 17:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c7a9e1b5d2"
down_revision = "e3b19d7c5a20"
branch_labels = None
depends_on = None

OUTCOMES = ("abuse_stopped", "risk_reduced", "feels_safer", "quality_of_life_improved")
DAY_COUNTS = (
    "received",
    "triaged_within_target",
    "judged",
    "within_target",
    "late",
    "missed",
    "attempted_within_target",
    "closed",
    *(column for name in OUTCOMES for column in (name, f"{name}_measured")),
    "reopened",
)


def upgrade():
    op.create_table(
        "rollup_referrals_month",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rollup_referrals_month_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "year", "month", name=op.f("pk_rollup_referrals_month")),
    )
    op.create_table(
        "rollup_completion_quarter",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_rollup_completion_quarter_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rollup_completion_quarter_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "agency_id", "year", "quarter", name=op.f("pk_rollup_completion_quarter")),
    )
    op.create_table(
        "rollup_supports_day",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in DAY_COUNTS),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rollup_supports_day_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "day", name=op.f("pk_rollup_supports_day")),
    )
    op.create_table(
        "rollup_closures_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closure_reason", sa.String(length=20), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rollup_closures_day_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_closures_day")),
    )
    op.create_index("ix_rollup_closures_day_area_day", "rollup_closures_day", ["area_id", "day"], unique=False)
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("built_for", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_state")),
    )


def downgrade():
    op.drop_table("rollup_state")
    op.drop_index("ix_rollup_closures_day_area_day", table_name="rollup_closures_day")
    op.drop_table("rollup_closures_day")
    op.drop_table("rollup_supports_day")
    op.drop_table("rollup_completion_quarter")
    op.drop_table("rollup_referrals_month")
