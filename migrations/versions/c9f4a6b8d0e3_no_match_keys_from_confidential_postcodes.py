"""No matching key made from a confidential address

A person's postcode made blocking keys ("pc:<postcode>:<name code>") even when their address was
confidential, so a referrer could learn it by trying postcodes on the match step. Matching no
longer reads a confidential address (services/people.details_of); the keys already made from one
go. Nothing to put back on the way down: the older code found these people by their other keys.

Revision ID: c9f4a6b8d0e3
Revises: c4f8a2d6e913
Create Date: 2026-12-09 06:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c9f4a6b8d0e3"
down_revision = "c4f8a2d6e913"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM person_match_keys WHERE key LIKE 'pc:%' "
        "AND person_id IN (SELECT id FROM people WHERE is_address_confidential)"
    )


def downgrade():
    pass
