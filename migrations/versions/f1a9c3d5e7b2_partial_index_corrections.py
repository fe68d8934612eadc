"""Index only the assessments that correct another: the full index of NULLs was ignored by SQLite

Once ANALYZE has run on data where almost no assessment is a correction, SQLite's planner saw an
index whose single value (NULL) matches every row, and scanned the table instead, for every case
of an IDVA's caseload. A partial index of the corrections alone is small and always chosen.

Revision ID: f1a9c3d5e7b2
Revises: e6b7f1924b5c
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a9c3d5e7b2"
down_revision = "e6b7f1924b5c"
branch_labels = None
depends_on = None

NAME = "ix_risk_assessments_corrects_id"
ONLY_CORRECTIONS = sa.text("corrects_id IS NOT NULL")


def upgrade():
    op.drop_index(NAME, table_name="risk_assessments")
    op.create_index(
        NAME, "risk_assessments", ["corrects_id"], sqlite_where=ONLY_CORRECTIONS, postgresql_where=ONLY_CORRECTIONS
    )


def downgrade():
    op.drop_index(NAME, table_name="risk_assessments")
    op.create_index(NAME, "risk_assessments", ["corrects_id"])
