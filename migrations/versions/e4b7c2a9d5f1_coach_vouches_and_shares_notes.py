"""coaches: a rater list a coach vouches for, a debrief note shared with the leader, coach mail

Revision ID: e4b7c2a9d5f1
Revises: d3a8f61c2b90
Create Date: 2026-12-12 10:00:00.000000

coach_shares.note_shared: the coach chose to show their note to the leader.
coach_shares.reviews_rater_list / rater_list_approved: the one coach of a round asked to vouch for
its rater list (a partial unique index), and whether they approved it (only when asked: a check).
open_links.awaiting_coach: a link that takes no answers until the coach approves it.
outbox kinds "round_closed" and "list_review": mail to a coach. Existing rows take the defaults:
nothing shared, nobody asked, every link as it was. The downgrade drops the new mail.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "e4b7c2a9d5f1"
down_revision = "d3a8f61c2b90"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "kind IN ('invitation', 'reminder', 'coach_share', "
    "'password_reset', 'reset_no_account', 'signup', 'signup_taken')"
)
NEW_KINDS = (
    "kind IN ('invitation', 'reminder', 'coach_share', 'round_closed', 'list_review', "
    "'password_reset', 'reset_no_account', 'signup', 'signup_taken')"
)


def upgrade():
    with op.batch_alter_table("coach_shares", schema=None) as batch_op:
        for column in ("note_shared", "reviews_rater_list", "rater_list_approved"):
            batch_op.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch_op.create_check_constraint(
            "approved_only_when_asked", "NOT rater_list_approved OR reviews_rater_list"
        )
        batch_op.create_index(
            "one_rater_list_reviewer_per_round",
            ["round_id"],
            unique=True,
            sqlite_where=sa.text("reviews_rater_list"),
            postgresql_where=sa.text("reviews_rater_list"),
        )
    with op.batch_alter_table("open_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awaiting_coach", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("known_mail_kind", type_="check")
        batch_op.create_check_constraint("known_mail_kind", NEW_KINDS)


def downgrade():
    # The old schema knows no such mail; it was to a coach only.
    op.execute("DELETE FROM outbox WHERE kind IN ('round_closed', 'list_review')")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("known_mail_kind", type_="check")
        batch_op.create_check_constraint("known_mail_kind", OLD_KINDS)
    with op.batch_alter_table("open_links", schema=None) as batch_op:
        batch_op.drop_column("awaiting_coach")
    with op.batch_alter_table("coach_shares", schema=None) as batch_op:
        batch_op.drop_index("one_rater_list_reviewer_per_round")
        batch_op.drop_constraint("approved_only_when_asked", type_="check")
        for column in ("rater_list_approved", "reviews_rater_list", "note_shared"):
            batch_op.drop_column(column)
