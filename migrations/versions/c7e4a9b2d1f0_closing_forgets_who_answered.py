"""closing forgets who answered: pooled small groups, the page's counts kept at close

Revision ID: c7e4a9b2d1f0
Revises: b5c1d2e3f4a6
Create Date: 2026-12-03 10:00:00.000000

rounds.pooled_groups: groups the leader's page counts only together. rounds.progress_at_close:
the page's lines, kept when the invitations forget who answered and declined. rounds.results_ready:
false until a WAL checkpoint after close. Rounds already closed are brought in line here: their
lines are stored, their invitations forget, their done invitation mail goes, and their results
wait for the next checkpoint (the mail sender runs it). The downgrade cannot bring the flags back:
an old version shows closed rounds with nobody answered.
"""

import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "c7e4a9b2d1f0"
down_revision = "b5c1d2e3f4a6"
branch_labels = None
depends_on = None

GROUPS = ("follower", "colleague", "staff", "other")


def upgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pooled_groups", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("progress_at_close", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("results_ready", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    conn = op.get_bind()
    rounds = conn.execute(
        sa.text(
            "SELECT id, status, anonymity_threshold, max_anonymity FROM rounds "
            "WHERE status != 'draft'"
        )
    ).all()
    for round_id, status, threshold, max_anonymity in rounds:
        counts = _group_counts(conn, round_id)
        pooled = [g for g in GROUPS if 0 < counts[g][0] < threshold]
        if status == "open":
            conn.execute(
                sa.text("UPDATE rounds SET pooled_groups = :p WHERE id = :r"),
                {"p": json.dumps(pooled), "r": round_id},
            )
            continue
        stored = _stored_lines(counts, pooled, threshold, max_anonymity)
        stored["mail_sent"] = conn.execute(
            sa.text(
                "SELECT count(*) FROM outbox WHERE round_id = :r AND kind = 'invitation' "
                "AND status IN ('sent', 'withheld')"
            ),
            {"r": round_id},
        ).scalar()
        conn.execute(
            sa.text(
                "DELETE FROM outbox WHERE round_id = :r AND kind = 'invitation' "
                "AND status != 'failed'"
            ),
            {"r": round_id},
        )
        conn.execute(
            sa.text(
                "UPDATE invitations SET answered = false, declined = false WHERE round_id = :r"
            ),
            {"r": round_id},
        )
        conn.execute(
            sa.text(
                "UPDATE rounds SET pooled_groups = :p, progress_at_close = :s, "
                "results_ready = false WHERE id = :r"
            ),
            {"p": json.dumps(pooled), "s": json.dumps(stored), "r": round_id},
        )


def _group_counts(conn, round_id):
    """group -> (invited, answered, declined, responses)."""
    counts = {g: [0, 0, 0, 0] for g in GROUPS}
    for group, invited, answered, declined in conn.execute(
        sa.text(
            "SELECT rater_group, count(*), "
            "sum(CASE WHEN answered THEN 1 ELSE 0 END), "
            "sum(CASE WHEN declined THEN 1 ELSE 0 END) "
            "FROM invitations WHERE round_id = :r GROUP BY rater_group"
        ),
        {"r": round_id},
    ):
        counts[group][:3] = [invited, answered or 0, declined or 0]
    for group, responses in conn.execute(
        sa.text(
            "SELECT rater_group, count(*) FROM responses WHERE round_id = :r GROUP BY rater_group"
        ),
        {"r": round_id},
    ):
        counts[group][3] = responses
    return counts


def _stored_lines(counts, pooled, threshold, max_anonymity):
    """feedback360.anonymity.progress_view as it was at this revision, for rounds closed before."""

    def line(line_id, group_ids):
        return {
            "group": line_id,
            "groups": list(group_ids),
            "invited": sum(counts[g][0] for g in group_ids),
            "answered": None if max_anonymity else sum(counts[g][1] for g in group_ids),
            "declined": sum(counts[g][2] for g in group_ids),
            "responses": sum(counts[g][3] for g in group_ids),
        }

    lines = [line(g, (g,)) for g in GROUPS if g not in pooled]
    combined, hidden = [], []
    if pooled and sum(counts[g][0] for g in pooled) >= threshold:
        lines.append(line("combined" if len(pooled) > 1 else pooled[0], pooled))
        combined = pooled if len(pooled) > 1 else []
    else:
        hidden = pooled
    return {"threshold": threshold, "lines": lines, "combined": combined, "hidden": hidden}


def downgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("results_ready")
        batch_op.drop_column("progress_at_close")
        batch_op.drop_column("pooled_groups")
