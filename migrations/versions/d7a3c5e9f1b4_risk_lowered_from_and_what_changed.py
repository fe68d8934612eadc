"""A risk result that lowers the current level keeps the level it lowered and what has changed

A police DASH or DARA result at a lower level than the case's current one silently became the
case's level. It now says what has changed since the last assessment (required when it lowers),
and keeps the level it lowered, so the case's header can say "Medium, lowered from High on ...".
Both columns are empty for the results recorded before: nothing is guessed for them.

Revision ID: d7a3c5e9f1b4
Revises: c9f4a6b8d0e3
Create Date: 2026-12-10 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7a3c5e9f1b4"
down_revision = "c9f4a6b8d0e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lowered_from", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("what_changed", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_column("what_changed")
        batch_op.drop_column("lowered_from")
