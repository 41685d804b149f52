"""response platforms and coach debrief notes

Revision ID: f0f97300ccad
Revises: 7920dda3e737
Create Date: 2026-11-22 02:05:57.473351

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f0f97300ccad'
down_revision = '7920dda3e737'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('coach_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('debrief_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint('debrief_note_length', 'length(debrief_note) <= 3000')

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platforms', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('platforms')

    with op.batch_alter_table('coach_shares', schema=None) as batch_op:
        batch_op.drop_constraint('debrief_note_length', type_='check')
        batch_op.drop_column('debrief_note')
