"""stored report files: each reader's PDF copy, built by the sender

Revision ID: d3a8f61c2b90
Revises: c7e4a9b2d1f0
Create Date: 2026-12-10 10:00:00.000000

report_files: one row per reader of a round (the leader, each coach's share), wanted (pdf NULL)
or built. Every foreign key cascades: a copy goes with its round, its coach's share and the
earlier round its trend prints. Nothing to fill in: copies are asked for on the next download.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "d3a8f61c2b90"
down_revision = "c7e4a9b2d1f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=24), nullable=False),
        sa.Column("coach_share_id", sa.Integer(), nullable=True),
        sa.Column("earlier_round_id", sa.Integer(), nullable=True),
        sa.Column("content_key", sa.String(length=64), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["coach_share_id"], ["coach_shares.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["earlier_round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "reader", name="one_report_file_per_reader"),
    )
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_files_coach_share_id"), ["coach_share_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_files_earlier_round_id"), ["earlier_round_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_files_round_id"), ["round_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_files_round_id"))
        batch_op.drop_index(batch_op.f("ix_report_files_earlier_round_id"))
        batch_op.drop_index(batch_op.f("ix_report_files_coach_share_id"))
    op.drop_table("report_files")
