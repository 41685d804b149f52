"""after a round: the leader's forecast, focus plan, word back, pulse rounds, kept declines

Revision ID: a9c3e5f7b1d4
Revises: a9e1f4c27b35
Create Date: 2026-12-20 10:00:00.000000

forecasts: the leader's expected mean per group and dimension, in tenths. focus_plan_entries: one
to three things to work on after a round. word_backs: the leader's message to everyone asked,
once per round, with its UTC date. rounds.kind / parent_round_id / opens_on: a pulse is a round of
its own that follows up one original round (one pulse per round, gone with it); pulse_targets: the
focus targets it asks about. mail_declines: declines a closed round keeps as keyed digests only.
outbox kind "word_back". Existing rounds are full rounds. The downgrade drops pulses (with all
their rows) and the word back mail.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a9c3e5f7b1d4"
down_revision = "a9e1f4c27b35"
branch_labels = None
depends_on = None

GROUPS_SQL = "rater_group IN ('follower', 'colleague', 'staff', 'other')"
OLD_KINDS = (
    "kind IN ('invitation', 'reminder', 'coach_share', 'round_closed', 'list_review', "
    "'password_reset', 'reset_no_account', 'signup', 'signup_taken')"
)
NEW_KINDS = (
    "kind IN ('invitation', 'reminder', 'coach_share', 'round_closed', 'list_review', "
    "'word_back', 'password_reset', 'reset_no_account', 'signup', 'signup_taken')"
)


def _round_fk():
    return sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE")


def upgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="full", nullable=False)
        )
        batch_op.add_column(sa.Column("parent_round_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("opens_on", sa.Date(), nullable=True))
        batch_op.create_unique_constraint("one_pulse_per_round", ["parent_round_id"])
        batch_op.create_foreign_key(
            "pulse_original", "rounds", ["parent_round_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint("known_round_kind", "kind IN ('full', 'pulse')")
        batch_op.create_check_constraint(
            "pulse_has_original", "(kind = 'pulse') = (parent_round_id IS NOT NULL)"
        )
        batch_op.create_check_constraint(
            "pulse_has_dates", "kind = 'full' OR (opens_on IS NOT NULL AND closes_on IS NOT NULL)"
        )
        batch_op.create_check_constraint(
            "opens_before_it_closes",
            "opens_on IS NULL OR closes_on IS NULL OR opens_on < closes_on",
        )
    op.create_table(
        "forecasts",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=20), nullable=False),
        sa.Column("dimension_id", sa.String(length=40), nullable=False),
        sa.Column("tenths", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(GROUPS_SQL, name="forecast_known_group"),
        sa.CheckConstraint("tenths BETWEEN 10 AND 100", name="forecast_range"),
        _round_fk(),
        sa.PrimaryKeyConstraint("round_id", "rater_group", "dimension_id"),
    )
    op.create_table(
        "focus_plan_entries",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.CheckConstraint("length(action) BETWEEN 1 AND 600", name="focus_action_length"),
        sa.CheckConstraint("length(measure) BETWEEN 1 AND 400", name="focus_measure_length"),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name="focus_position_range"),
        _round_fk(),
        sa.PrimaryKeyConstraint("round_id", "position"),
        sa.UniqueConstraint("round_id", "target_id", name="one_entry_per_target"),
    )
    op.create_table(
        "word_backs",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.CheckConstraint("length(text) BETWEEN 1 AND 4000", name="word_back_length"),
        _round_fk(),
        sa.PrimaryKeyConstraint("round_id"),
    )
    op.create_table(
        "pulse_targets",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name="pulse_target_position_range"),
        _round_fk(),
        sa.PrimaryKeyConstraint("round_id", "position"),
        sa.UniqueConstraint("round_id", "target_id", name="one_pulse_target_per_id"),
    )
    op.create_table(
        "mail_declines",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        _round_fk(),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("mail_declines", schema=None) as batch_op:
        batch_op.create_index("ix_mail_declines_round_id", ["round_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("known_mail_kind", type_="check")
        batch_op.create_check_constraint("known_mail_kind", NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM outbox WHERE kind = 'word_back'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("known_mail_kind", type_="check")
        batch_op.create_check_constraint("known_mail_kind", OLD_KINDS)
    # The old schema has no pulse: each goes, with everything of it (ON DELETE CASCADE).
    op.execute("DELETE FROM rounds WHERE kind = 'pulse'")
    with op.batch_alter_table("mail_declines", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_declines_round_id")
    op.drop_table("mail_declines")
    op.drop_table("pulse_targets")
    op.drop_table("word_backs")
    op.drop_table("focus_plan_entries")
    op.drop_table("forecasts")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        for check in (
            "opens_before_it_closes",
            "pulse_has_dates",
            "pulse_has_original",
            "known_round_kind",
        ):
            batch_op.drop_constraint(check, type_="check")
        batch_op.drop_constraint("pulse_original", type_="foreignkey")
        batch_op.drop_constraint("one_pulse_per_round", type_="unique")
        batch_op.drop_column("opens_on")
        batch_op.drop_column("parent_round_id")
        batch_op.drop_column("kind")
