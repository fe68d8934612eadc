"""Index the pointers between case records, so deleting a case does not scan the largest tables

Deleting a case (the retention review) clears every pointer at the rows it removes: an action's
agenda item, a later referral's "repeat of", an IDVA support's referral. Without an index each of
those is a scan of a table of millions of rows at national scale. Partial indexes (only the rows
where the pointer is set), as for corrections.

Revision ID: a7d2e4f6b8c1
Revises: f1a9c3d5e7b2
Create Date: 2026-12-02 05:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d2e4f6b8c1"
down_revision = "f1a9c3d5e7b2"
branch_labels = None
depends_on = None

POINTERS = [
    ("actions", "agenda_item_id"),
    ("referrals", "risk_assessment_id"),
    ("referrals", "repeat_of_id"),
    ("referrals", "transferred_from_id"),
    ("idva_supports", "referral_id"),
    ("idva_supports", "reopens_id"),
    ("idva_tasks", "support_id"),
]


def upgrade():
    for table, column in POINTERS:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where, postgresql_where=where)


def downgrade():
    for table, column in POINTERS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
