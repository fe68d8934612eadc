"""Each action carries its case's area; indexes for the figures reports count over a period

An area's actions were found through their cases: the national steering group's completion
figures visited a case for each of 400,000 actions (1.4 s on SQLite), and a coordinator's count
of overdue actions read every open overdue action in the country. The area is copied onto each
action (moved with the case when it transfers) and indexed with what the counts need. Referrals
by area and date, and IDVA supports by the day they were received and closed, are indexed for
the same reports.

Revision ID: b8e3f5a7c9d2
Revises: a7d2e4f6b8c1
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e3f5a7c9d2"
down_revision = "a7d2e4f6b8c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
    op.execute("UPDATE actions SET area_id = (SELECT cases.area_id FROM cases WHERE cases.id = actions.case_id)")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.alter_column("area_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_actions_area_id_areas"), "areas", ["area_id"], ["id"])
        batch_op.create_index("ix_actions_area_due", ["area_id", "due_on", "status", "owner_agency_id"], unique=False)
    op.create_index("ix_referrals_area_referred", "referrals", ["area_id", "referred_on"])
    op.create_index("ix_idva_supports_received_at", "idva_supports", ["received_at"])
    op.create_index("ix_idva_supports_closed_at", "idva_supports", ["closed_at"])


def downgrade():
    op.drop_index("ix_idva_supports_closed_at", table_name="idva_supports")
    op.drop_index("ix_idva_supports_received_at", table_name="idva_supports")
    op.drop_index("ix_referrals_area_referred", table_name="referrals")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index("ix_actions_area_due")
        batch_op.drop_constraint(batch_op.f("fk_actions_area_id_areas"), type_="foreignkey")
        batch_op.drop_column("area_id")
