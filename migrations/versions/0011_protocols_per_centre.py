"""protocols belong to a centre (templates have none); staff deactivation time; wrong ACK attempts

Revision ID: 0011
Revises: 0010

Existing rows move without changing any patient's protocol: a shipped version (no author) stays a
template; a version staff made goes to the one centre that wrote or uses it (its author's centre,
its patients' and alerts' centres), and stays a shared read-only template when that is not one
centre. A template that a centre's version had superseded or displaced as default becomes the
template chain's current version and default again, so other centres' new patients get the
shipped protocol, not another centre's choice.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

protocols = sa.table(
    'protocols', sa.column('id', sa.Integer), sa.column('family', sa.String), sa.column('version', sa.Integer),
    sa.column('is_default', sa.Boolean), sa.column('superseded_by_id', sa.Integer),
    sa.column('created_by_id', sa.Integer), sa.column('center_id', sa.Integer))
staff = sa.table('staff_users', sa.column('id', sa.Integer), sa.column('center_id', sa.Integer))
patients = sa.table('patients', sa.column('center_id', sa.Integer), sa.column('protocol_id', sa.Integer))
alerts = sa.table('alerts', sa.column('center_id', sa.Integer), sa.column('protocol_id', sa.Integer))


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # A plain ADD COLUMN ... REFERENCES, not a batch copy of the table: the copy would drop
        # `protocols` while patients and alerts refer to it, which enforced foreign keys refuse.
        op.execute('ALTER TABLE protocols ADD COLUMN center_id INTEGER '
                   'CONSTRAINT fk_protocols_center_id_centers REFERENCES centers (id)')
    else:
        op.add_column('protocols', sa.Column('center_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_protocols_center_id_centers'), 'protocols', 'centers', ['center_id'], ['id'])
    op.create_index(op.f('ix_protocols_center_id'), 'protocols', ['center_id'], unique=False)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'sms_ack_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_ack_failures')),
    )
    with op.batch_alter_table('sms_ack_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sms_ack_failures_phone_at', ['phone', 'at'], unique=False)
    assign_owners(op.get_bind())


def _owner(connection, row) -> int | None:
    centres = set(connection.execute(sa.select(patients.c.center_id).where(patients.c.protocol_id == row.id)).scalars())
    centres |= set(connection.execute(sa.select(alerts.c.center_id).where(alerts.c.protocol_id == row.id)).scalars())
    centres.add(connection.execute(sa.select(staff.c.center_id).where(staff.c.id == row.created_by_id)).scalar())
    centres.discard(None)
    return centres.pop() if len(centres) == 1 else None


def assign_owners(connection) -> None:
    made = connection.execute(sa.select(protocols.c.id, protocols.c.created_by_id)
                              .where(protocols.c.created_by_id.is_not(None))).all()
    for row in made:
        owner = _owner(connection, row)
        if owner is not None:
            connection.execute(protocols.update().where(protocols.c.id == row.id).values(center_id=owner))
    everything = {r.id: r for r in connection.execute(sa.select(protocols)).all()}
    for row in everything.values():
        successor = everything.get(row.superseded_by_id)
        if successor is None or successor.center_id == row.center_id:
            continue
        # Supersede only within one owner: the next version of the same family and owner, if any.
        same = sorted((r for r in everything.values() if r.family == row.family and r.center_id == row.center_id
                       and r.version > row.version), key=lambda r: r.version)
        connection.execute(protocols.update().where(protocols.c.id == row.id)
                           .values(superseded_by_id=same[0].id if same else None))
    for family in {r.family for r in everything.values()}:
        rows = [r for r in everything.values() if r.family == family]
        templates = [r for r in rows if r.center_id is None]
        if templates and not any(r.is_default for r in templates) and any(r.is_default for r in rows):
            latest = max(templates, key=lambda r: r.version)
            connection.execute(protocols.update().where(protocols.c.id == latest.id).values(is_default=True))


def downgrade():
    with op.batch_alter_table('sms_ack_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_ack_failures_phone_at')
    op.drop_table('sms_ack_failures')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
    op.drop_index(op.f('ix_protocols_center_id'), table_name='protocols')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('protocols', schema=None) as batch_op:  # SQLite cannot drop a referencing column
            batch_op.drop_column('center_id')
    else:
        op.drop_constraint(op.f('fk_protocols_center_id_centers'), 'protocols', type_='foreignkey')
        op.drop_column('protocols', 'center_id')
