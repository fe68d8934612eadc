"""Saved searches, and indexes that find surnames by how they begin

The search is a POST; its results page is returned to through a short-lived saved search (its
terms kept on the server, owned by the user who searched, removed by the scheduler once expired),
so that no name or date of birth is ever in an address. Searching by part of a surname, or a
misspelt one, looks up surnames by their first letters: an index of lower(last_name) for the
people and their other names (with the pattern operator class on PostgreSQL, which LIKE needs).

Revision ID: b8e2f4a6c1d3
Revises: e8b4d2f6a1c3
Create Date: 2026-12-06 17:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b8e2f4a6c1d3"
down_revision = "e8b4d2f6a1c3"
branch_labels = None
depends_on = None

PREFIX_INDEXES = (("ix_people_last_name_lower", "people"), ("ix_person_aliases_last_name_lower", "person_aliases"))


def upgrade():
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    op.create_index("ix_saved_searches_created_at", "saved_searches", ["created_at"])
    pattern = " text_pattern_ops" if op.get_bind().dialect.name == "postgresql" else ""
    for name, table in PREFIX_INDEXES:
        op.create_index(name, table, [sa.text(f"lower(last_name){pattern}")])


def downgrade():
    for name, table in PREFIX_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_saved_searches_created_at", table_name="saved_searches")
    op.drop_index("ix_saved_searches_user_id", table_name="saved_searches")
    op.drop_table("saved_searches")
