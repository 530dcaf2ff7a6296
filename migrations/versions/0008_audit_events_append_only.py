"""audit events append-only in the database too

The ORM already refuses to update or delete an AuditEvent (app/models/audit.py); these triggers
refuse raw SQL as well. PostgreSQL refuses UPDATE and DELETE of any row. TRUNCATE is left to the
table's owner: it needs ownership, is not a row change, and is how the test suite empties tables.
SQLite, the embedded development database, refuses UPDATE; its test cleanup deletes rows.

Revision ID: 0008
Revises: 0007
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (event %)', OLD.id;
            END $$""")
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")
    else:
        op.execute(f"""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only" +
               (" ON audit_events" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
