"""account mail in the outbox: password resets and sign-ups have no round

Revision ID: 2de7f518a205
Revises: f0f97300ccad
Create Date: 2026-11-22 02:13:22.671195

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2de7f518a205'
down_revision = 'f0f97300ccad'
branch_labels = None
depends_on = None

ROUND_KINDS = "kind IN ('invitation', 'reminder', 'coach_share')"
ALL_KINDS = (
    "kind IN ('invitation', 'reminder', 'coach_share', "
    "'password_reset', 'reset_no_account', 'signup', 'signup_taken')"
)


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('round_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(
            'outbox_user_id_fkey', 'users', ['user_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.drop_constraint('known_mail_kind', type_='check')
        batch_op.create_check_constraint('known_mail_kind', ALL_KINDS)


def downgrade():
    # Account mail cannot exist without a round in the old schema: drop it, sent or not.
    op.execute("DELETE FROM outbox WHERE round_id IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('known_mail_kind', type_='check')
        batch_op.create_check_constraint('known_mail_kind', ROUND_KINDS)
        batch_op.drop_constraint('outbox_user_id_fkey', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_user_id'))
        batch_op.alter_column('round_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('user_id')
