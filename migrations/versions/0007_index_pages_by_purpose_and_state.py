"""index pages by purpose and state

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 03:22:01.183957

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_purpose_state_sent', ['purpose', 'state', 'sent_at'], unique=False)



def downgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_purpose_state_sent')

