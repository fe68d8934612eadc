"""Area equality figures: the population shares the equality report compares against

Revision ID: d4a5e0813a3a
Revises: c3e2cf702129
Create Date: 2026-11-22 20:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a5e0813a3a"
down_revision = "c3e2cf702129"
branch_labels = None
depends_on = None

COLUMNS = ("pct_racially_minoritised", "pct_lgbt", "pct_disabled", "pct_male", "pct_aged_16_17")


def upgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Numeric(precision=5, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
