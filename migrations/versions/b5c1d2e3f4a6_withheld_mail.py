"""withheld mail: queued for an invitee who declined, and never sent

Revision ID: b5c1d2e3f4a6
Revises: 777da6530eac
Create Date: 2026-12-02 19:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5c1d2e3f4a6'
down_revision = '777da6530eac'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sent', 'failed', 'withheld')"


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('known_mail_status', type_='check')
        batch_op.create_check_constraint('known_mail_status', NEW_STATUSES)


def downgrade():
    # The old schema has no such status; withheld mail was never sent, so it goes.
    op.execute("DELETE FROM outbox WHERE status = 'withheld'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('known_mail_status', type_='check')
        batch_op.create_check_constraint('known_mail_status', OLD_STATUSES)
