"""a caregiver's own opt-out, inbound SMS remembered by MessageSid, failed sign-ins of unknown emails

Revision ID: 0014
Revises: 0013

Centres without a phone: none is invented here (a made-up number would send patients to a
stranger). The column stays nullable for those rows and the application fails closed on them:
no patient can be enrolled at such a centre until an admin sets its phone, and patient texts
name emergency services instead of a blank number. New centres must give one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caregiver_sms_opted_out', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_sid', sa.String(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_sid'),
    )
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_digest', sa.String(length=64), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email_digest'),
    )


def downgrade():
    op.drop_table('login_failures')
    op.drop_table('inbound_messages')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('caregiver_sms_opted_out')
