"""Security: two-factor sign-in, tamper-evident audit, retention

Revision ID: b2d1be6f2018
Revises: a1c0ad5e1f07
Create Date: 2026-11-22 20:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "b2d1be6f2018"
down_revision = "a1c0ad5e1f07"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
