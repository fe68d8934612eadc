"""Used form tokens: a form that makes a record, sent twice, makes it once

Each such form carries a one-time token; its first use is kept, with where it led, in the same
transaction as the record it made. A second send of the same form finds it and goes there too,
and the unique key stops two sends at the same moment from both making a record.

Revision ID: c4f8a2d6e913
Revises: b8e3f5a7c9d2
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4f8a2d6e913"
down_revision = "b8e3f5a7c9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "used_form_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_used_form_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_form_tokens")),
        sa.UniqueConstraint("user_id", "token", name=op.f("uq_used_form_tokens_user_id")),
    )
    op.create_index(op.f("ix_used_form_tokens_created_at"), "used_form_tokens", ["created_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_used_form_tokens_created_at"), table_name="used_form_tokens")
    op.drop_table("used_form_tokens")
