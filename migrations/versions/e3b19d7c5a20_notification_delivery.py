"""How each user hears of their notifications: by email as each happens, a daily digest, or in
the app only

Every account so far had its notices sent by email where the service emails them (overdue actions,
research to answer): they keep that ("email"), and may choose otherwise on the notification
settings page. The time of the last daily digest is empty until the first one is sent.

Revision ID: e3b19d7c5a20
Revises: b8e2f4a6c1d3
Create Date: 2026-12-06 17:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3b19d7c5a20"
down_revision = "b8e2f4a6c1d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notification_delivery", sa.String(length=10), server_default="email", nullable=False)
        )
        batch_op.add_column(sa.Column("digest_sent_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("digest_sent_at")
        batch_op.drop_column("notification_delivery")
