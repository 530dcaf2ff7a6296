"""Load the shipped default monitoring protocols.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from app.protocols.sync import sync_shipped_protocols

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    sync_shipped_protocols(op.get_bind(), has_owner=False)  # centre_id arrives in 0010


def downgrade():
    # Protocol versions may already be referenced by patients and alerts; history is kept.
    pass
