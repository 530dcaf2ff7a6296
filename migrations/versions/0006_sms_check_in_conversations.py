"""sms check-in conversations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 02:45:06.574757

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    op.create_table('sms_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('check_in_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('answered', sa.JSON(), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['check_in_id'], ['check_ins.id'], name=op.f('fk_sms_conversations_check_in_id_check_ins')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_sms_conversations_patient_id_patients')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_sms_conversations_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_conversations'))
    )
    with op.batch_alter_table('sms_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_conversations_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_sms_conversations_state_expires', ['state', 'expires_at'], unique=False)



def downgrade():
    # Written from the models by Alembic, then reviewed and adjusted by hand.
    with op.batch_alter_table('sms_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_conversations_state_expires')
        batch_op.drop_index(batch_op.f('ix_sms_conversations_patient_id'))

    op.drop_table('sms_conversations')
