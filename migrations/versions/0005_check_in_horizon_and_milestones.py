"""check-in horizon and milestones

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:38:03.330872

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missed_level', sa.String(length=16), server_default='urgent', nullable=False))

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_milestone_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('milestones_done', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.create_index(batch_op.f('ix_patients_next_milestone_at'), ['next_milestone_at'], unique=False)
        batch_op.create_index('ix_patients_status_schedule_until', ['status', 'schedule_until'], unique=False)



def downgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_status_schedule_until')
        batch_op.drop_index(batch_op.f('ix_patients_next_milestone_at'))
        batch_op.drop_column('milestones_done')
        batch_op.drop_column('next_milestone_at')
        batch_op.drop_column('schedule_until')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_column('missed_level')

