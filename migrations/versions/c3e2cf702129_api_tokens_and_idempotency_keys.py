"""API tokens and idempotency keys

Revision ID: c3e2cf702129
Revises: b2d1be6f2018
Create Date: 2026-11-22 20:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "c3e2cf702129"
down_revision = "b2d1be6f2018"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
