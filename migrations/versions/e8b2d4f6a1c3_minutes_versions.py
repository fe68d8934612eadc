"""Corrections to sent minutes: each version kept, approved by the chair and sent again

Minutes once sent could not be corrected. A correction is now a new version of the minutes,
started with what was wrong, approved by the chair and sent again; the text each earlier version
said of each case is kept in minutes_entries. Meetings sent before have no rows: their minutes
are version 1, the meeting's own text.

Revision ID: e8b2d4f6a1c3
Revises: e8b4d6f0a2c5
Create Date: 2026-12-06 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b2d4f6a1c3"
down_revision = "e8b4d6f0a2c5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "minutes_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "number"),
    )
    with op.batch_alter_table("minutes_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_versions_meeting_id"), ["meeting_id"], unique=False)
    op.create_table(
        "minutes_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=True),
        sa.Column("risk_after", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["minutes_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "agenda_item_id"),
    )
    with op.batch_alter_table("minutes_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_entries_agenda_item_id"), ["agenda_item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("minutes_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minutes_entries_agenda_item_id"))
    op.drop_table("minutes_entries")
    with op.batch_alter_table("minutes_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minutes_versions_meeting_id"))
    op.drop_table("minutes_versions")
