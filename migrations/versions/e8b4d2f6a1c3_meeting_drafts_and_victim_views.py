"""Meeting mode's drafts of the notes, and the victim's voice recorded before the meeting

Notes typed in meeting mode were lost with a closed tab or a lost connection: the page now saves a
draft as the coordinator types, given back when they return (one a person for each case listed).
The victim's voice (what they want, fear and agree may be shared, and whether they know of the
referral) is recorded by their IDVA or the referrer before the meeting; each recording is kept.
Both tables are new and start empty.

Revision ID: e8b4d2f6a1c3
Revises: e8b2d4f6a1c3
Create Date: 2026-12-06 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b4d2f6a1c3"
down_revision = "e8b2d4f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_meeting_drafts_agenda_item_id_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_meeting_drafts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_drafts")),
        sa.UniqueConstraint("agenda_item_id", "user_id", name=op.f("uq_meeting_drafts_agenda_item_id")),
    )
    with op.batch_alter_table("meeting_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_drafts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "victim_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("wants", sa.Text(), nullable=True),
        sa.Column("fears", sa.Text(), nullable=True),
        sa.Column("agrees_to_share", sa.Text(), nullable=True),
        sa.Column("knows_of_referral", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_victim_views_agency_id_agencies")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_victim_views_case_id_cases")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_victim_views_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_views")),
    )
    with op.batch_alter_table("victim_views", schema=None) as batch_op:
        batch_op.create_index("ix_victim_views_case_recorded", ["case_id", "recorded_at"], unique=False)


def downgrade():
    with op.batch_alter_table("victim_views", schema=None) as batch_op:
        batch_op.drop_index("ix_victim_views_case_recorded")
    op.drop_table("victim_views")
    with op.batch_alter_table("meeting_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_drafts_user_id"))
    op.drop_table("meeting_drafts")
