"""IDVA caseload: contacts, safety plans, needs, tasks and outcomes

Revision ID: a1c0ad5e1f07
Revises: 3bc4a4c78e43
Create Date: 2026-11-22 20:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c0ad5e1f07"
down_revision = "3bc4a4c78e43"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "safety_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("home_security", sa.Text(), nullable=True),
        sa.Column("emergency_plan", sa.Text(), nullable=True),
        sa.Column("legal_protection", sa.Text(), nullable=True),
        sa.Column("legal_orders", sa.JSON(), nullable=False),
        sa.Column("housing", sa.Text(), nullable=True),
        sa.Column("children", sa.Text(), nullable=True),
        sa.Column("online_safety", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_safety_plans_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_safety_plans_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_plans")),
        sa.UniqueConstraint("case_id", "version", name=op.f("uq_safety_plans_case_id")),
    )
    op.create_table(
        "idva_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("reopens_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("triage_due_at", sa.DateTime(), nullable=False),
        sa.Column("first_contact_due_on", sa.Date(), nullable=False),
        sa.Column("first_attempt_on", sa.Date(), nullable=True),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("next_contact_on", sa.Date(), nullable=True),
        sa.Column("review_reminded_for", sa.Date(), nullable=True),
        sa.Column("intake_risk_level", sa.String(length=10), nullable=True),
        sa.Column("intake_abuse_ongoing", sa.Boolean(), nullable=True),
        sa.Column("intake_feels_safe", sa.Integer(), nullable=True),
        sa.Column("intake_quality_of_life", sa.Integer(), nullable=True),
        sa.Column("intake_recorded_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closure_reason", sa.String(length=20), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=True),
        sa.Column("exit_risk_level", sa.String(length=10), nullable=True),
        sa.Column("exit_abuse_ongoing", sa.Boolean(), nullable=True),
        sa.Column("exit_feels_safe", sa.Integer(), nullable=True),
        sa.Column("exit_quality_of_life", sa.Integer(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("abuse_stopped", sa.Boolean(), nullable=True),
        sa.Column("risk_reduced", sa.Boolean(), nullable=True),
        sa.Column("feels_safer", sa.Boolean(), nullable=True),
        sa.Column("quality_of_life_improved", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_idva_supports_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_idva_supports_closed_by_id_users")),
        sa.ForeignKeyConstraint(["opened_by_id"], ["users.id"], name=op.f("fk_idva_supports_opened_by_id_users")),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_idva_supports_referral_id_referrals")),
        sa.ForeignKeyConstraint(
            ["reopens_id"], ["idva_supports.id"], name=op.f("fk_idva_supports_reopens_id_idva_supports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idva_supports")),
    )
    with op.batch_alter_table("idva_supports", schema=None) as batch_op:
        batch_op.create_index("ix_idva_supports_case_closed", ["case_id", "closed_at"], unique=False)

    op.create_table(
        "idva_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("support_id", sa.Integer(), nullable=False),
        sa.Column("idva_id", sa.Integer(), nullable=True),
        sa.Column("contacted_at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("is_contact", sa.Boolean(), nullable=False),
        sa.Column("was_safe", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_idva_contacts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["idva_id"], ["users.id"], name=op.f("fk_idva_contacts_idva_id_users")),
        sa.ForeignKeyConstraint(
            ["support_id"],
            ["idva_supports.id"],
            name=op.f("fk_idva_contacts_support_id_idva_supports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idva_contacts")),
    )
    with op.batch_alter_table("idva_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_idva_contacts_case_at", ["case_id", "contacted_at"], unique=False)
        batch_op.create_index("ix_idva_contacts_support_at", ["support_id", "contacted_at"], unique=False)

    op.create_table(
        "idva_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("support_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["support_id"],
            ["idva_supports.id"],
            name=op.f("fk_idva_needs_support_id_idva_supports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idva_needs")),
        sa.UniqueConstraint("support_id", "stage", "category", name=op.f("uq_idva_needs_support_id")),
    )
    op.create_table(
        "idva_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("support_id", sa.Integer(), nullable=True),
        sa.Column("idva_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_idva_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], name=op.f("fk_idva_tasks_done_by_id_users")),
        sa.ForeignKeyConstraint(["idva_id"], ["users.id"], name=op.f("fk_idva_tasks_idva_id_users")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_idva_tasks_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["support_id"],
            ["idva_supports.id"],
            name=op.f("fk_idva_tasks_support_id_idva_supports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idva_tasks")),
        sa.UniqueConstraint("case_id", "kind", "meeting_id", name=op.f("uq_idva_tasks_case_id")),
    )
    with op.batch_alter_table("idva_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_idva_tasks_case_done", ["case_id", "done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_idva_tasks_idva_id"), ["idva_id"], unique=False)

    op.create_table(
        "onward_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("support_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("victim_asked", sa.Boolean(), nullable=False),
        sa.Column("judged_safe", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_onward_referrals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_onward_referrals_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["support_id"],
            ["idva_supports.id"],
            name=op.f("fk_onward_referrals_support_id_idva_supports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onward_referrals")),
    )
    with op.batch_alter_table("onward_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onward_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_onward_referrals_support_id"), ["support_id"], unique=False)

    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("support_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_allocations_support_id"), ["support_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_allocations_support_id_idva_supports"), "idva_supports", ["support_id"], ["id"]
        )

    op.add_column("areas", sa.Column("idva_capacity_per_fte", sa.Integer(), server_default="70", nullable=False))

    op.add_column("users", sa.Column("fte", sa.Numeric(precision=3, scale=2), server_default="1", nullable=False))


def downgrade():
    # users and areas are referred to by many tables: on SQLite a batch would copy and drop them,
    # and dropping a table with foreign keys on deletes the rows that refer to it. Their new
    # columns have no constraints, so a plain DROP COLUMN (SQLite 3.35+) is enough.
    op.drop_column("users", "fte")
    op.drop_column("areas", "idva_capacity_per_fte")

    # Nothing refers to allocations: the batch may copy it.
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_allocations_support_id_idva_supports"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_allocations_support_id"))
        batch_op.drop_column("support_id")

    op.drop_table("onward_referrals")
    op.drop_table("idva_tasks")
    op.drop_table("idva_needs")
    op.drop_table("idva_contacts")
    op.drop_table("safety_plans")
    op.drop_table("idva_supports")
