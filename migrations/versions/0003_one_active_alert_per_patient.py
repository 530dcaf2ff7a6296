"""one active alert per patient

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:24:00.584362

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('uq_alerts_one_active_per_patient', ['patient_id'], unique=True, sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))



def downgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_one_active_per_patient', sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))

