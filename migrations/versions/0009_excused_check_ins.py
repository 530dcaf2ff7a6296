"""check-ins excused until: staff pause a patient's check-ins (e.g. readmitted to hospital)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Two nullable columns: existing patients have nothing excused.
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_ins_excused_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('check_ins_excused_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('check_ins_excused_reason')
        batch_op.drop_column('check_ins_excused_until')
