"""Index the assessment a correction replaces: every risk level looks for corrections

Revision ID: e6b7f1924b5c
Revises: d4a5e0813a3a
Create Date: 2026-11-22 21:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e6b7f1924b5c"
down_revision = "d4a5e0813a3a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_assessments_corrects_id"), ["corrects_id"], unique=False)


def downgrade():
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_assessments_corrects_id"))
