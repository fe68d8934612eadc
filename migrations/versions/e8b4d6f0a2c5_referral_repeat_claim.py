"""A repeat the referrer claims but the record does not show is kept for the coordinator to check

A referral with the "Repeat" reason ticked and no earlier referral of the victim and perpetrator
on record (it may be another area's, or from before the records) was sent as not a repeat, and the
referrer's word was lost. It now says "claimed": the coordinator confirms it (then it counts as a
repeat) or rejects it. Empty for the referrals sent before: nothing is guessed for them.

Revision ID: e8b4d6f0a2c5
Revises: d7a3c5e9f1b4
Create Date: 2026-12-06 17:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b4d6f0a2c5"
down_revision = "d7a3c5e9f1b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_claim", sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("repeat_claim")
