"""maximum anonymity rounds: spent invitation links kept apart from the invitations

Revision ID: 777da6530eac
Revises: 2de7f518a205
Create Date: 2026-11-22 02:37:51.655521

Existing rounds keep the old behaviour (max_anonymity false). spent_tokens holds only the round
and an HMAC digest of each used invitation of a maximum-anonymity round: no id, no time.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '777da6530eac'
down_revision = '2de7f518a205'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spent_tokens',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('spent_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_tokens_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('max_anonymity', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    # The rounds stay, as ordinary rounds whose invitations never learnt an answer: in one still
    # open, whoever answered could answer again. Close such rounds before downgrading.
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('max_anonymity')

    with op.batch_alter_table('spent_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_tokens_round_id'))

    op.drop_table('spent_tokens')
