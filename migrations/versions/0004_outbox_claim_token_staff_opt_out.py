"""outbox claim token, staff opt-out

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:25:25.545938

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opted_out', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('sms_opted_out')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('claim_token')

