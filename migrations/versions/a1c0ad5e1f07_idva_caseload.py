"""IDVA caseload: contacts, safety plans, needs, tasks and outcomes

Revision ID: a1c0ad5e1f07
Revises: 3bc4a4c78e43
Create Date: 2026-11-22 20:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "a1c0ad5e1f07"
down_revision = "3bc4a4c78e43"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
