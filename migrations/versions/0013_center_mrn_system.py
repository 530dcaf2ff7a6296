"""centre's MRN identifier system: the hospital's own URI for its medical record numbers (FHIR)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: a centre that has not set one gets Vigil's default system for its MRNs.
    with op.batch_alter_table('centers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mrn_system', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('centers', schema=None) as batch_op:
        batch_op.drop_column('mrn_system')
