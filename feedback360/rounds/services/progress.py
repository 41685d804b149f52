"""What the leader may see of a round while it runs: counts per group, its mail."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import true

from ...anonymity import GroupActivity
from ...anonymity import LivePools
from ...anonymity import ProgressLine
from ...anonymity import ProgressView
from ...anonymity import live_pools
from ...anonymity import pool_small_groups
from ...anonymity import progress_from_stored
from ...anonymity import progress_not_kept
from ...anonymity import progress_view
from ...anonymity import reported_responses
from ...anonymity import visibility
from ...extensions import db
from ...i18n import local_questionnaire
from ...models import GROUP_IDS
from ...models import Invitation
from ...models import OutboxMessage
from ...models import Response
from ...models import Round
from ...text import natural_key
from .common import invitation_counts


def progress_of(a_round: Round) -> ProgressView:
    """Invited, answered, declined and received per group, as the leader may see them:
    counts only, never who, and none for a group so small that a change would name someone
    (anonymity.progress_view). A closed round's come from what was kept at close.

    With maximum anonymity nobody records which invitations were answered, so `answered` is
    None; the responses received per group are still counted.
    """
    q = local_questionnaire(a_round.questionnaire_version)
    if a_round.status == "closed":
        kept = progress_from_stored(a_round.progress_at_close, q.groups)
        return kept if kept is not None else progress_not_kept(a_round.anonymity_threshold)
    pooled = a_round.pooled_groups or ()
    if a_round.status == "draft":  # nothing moves yet; these groups will be pooled at open
        pooled = pool_small_groups(
            pooled, invitation_counts(a_round.id, true()), a_round.anonymity_threshold
        )
    return live_progress(a_round, pooled)


def progress(a_round: Round) -> list[ProgressLine]:
    return list(progress_of(a_round).lines)


def live_progress(a_round: Round, pooled) -> ProgressView:
    """The page's counts from the invitations and responses as they are now, the `pooled`
    groups counted together: shown while the round runs, kept when it closes."""
    invited = invitation_counts(a_round.id, true())
    answered = invitation_counts(a_round.id, Invitation.answered.is_(True))
    declined = invitation_counts(a_round.id, Invitation.declined.is_(True))
    activity = {
        g: GroupActivity(
            invited.get(g, 0),
            None if a_round.max_anonymity else answered.get(g, 0),
            declined.get(g, 0),
            count,
        )
        for g, count in response_counts(a_round.id).items()
    }
    q = local_questionnaire(a_round.questionnaire_version)
    return progress_view(activity, pooled, a_round.anonymity_threshold, q.groups)


def pool_small_groups_of(a_round: Round) -> None:
    """From opening on, a group with fewer invitees than the threshold is counted only together
    with the other small groups, and stays so (see anonymity.py)."""
    db.session.flush()
    a_round.pooled_groups = list(
        pool_small_groups(
            a_round.pooled_groups or (),
            invitation_counts(a_round.id, true()),
            a_round.anonymity_threshold,
        )
    )


@dataclass(frozen=True)
class MailStatus:
    pending: int
    sent: int
    failed: list[tuple[str, str]]  # address and the last error, so typos can be fixed


def mail_status(a_round: Round) -> MailStatus:
    """The round's mail for its leader: counts, and the addresses an invitation or a coach's
    share could not reach.

    Reminders are left out of every count: a reminder goes only to people who have not answered
    (or, with maximum anonymity, not declined), so how many were queued, sent or failed is how
    many have not answered, and the shown groups subtracted from it would give a small group's.
    Mail withheld because its invitee declined counts as sent, or the counts would tell who
    declined; a closed round's sent invitations are counted from what was kept at close."""
    not_reminder = OutboxMessage.kind != "reminder"
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.round_id == a_round.id, not_reminder)
            .group_by(OutboxMessage.status)
        ).all()
    )
    failed = db.session.execute(
        select(OutboxMessage.to_address, OutboxMessage.last_error).where(
            OutboxMessage.round_id == a_round.id, OutboxMessage.status == "failed", not_reminder
        )
    ).all()
    failed = sorted(failed, key=lambda row: natural_key(row.to_address))  # as the lists read
    kept = _mail_sent_before_close(a_round.progress_at_close)
    return MailStatus(
        counts.get("pending", 0),
        counts.get("sent", 0) + counts.get("withheld", 0) + kept,
        [(row.to_address, _reason(row.last_error)) for row in failed],
    )


def _reason(last_error: str | None) -> str:
    """Why a message failed, in the page's language: the outbox keeps feedback360's own reasons
    as their English msgid (mail.Undeliverable); a mail server's reply stays as it came."""
    return gettext(last_error) if last_error else ""


def _mail_sent_before_close(kept) -> int:
    """The invitation mail a closed round sent, as counted at close (0 if not readable)."""
    sent = kept.get("mail_sent") if isinstance(kept, dict) else None
    return sent if isinstance(sent, int) and not isinstance(sent, bool) and sent > 0 else 0


def deletable_responses(a_round: Round) -> int | None:
    """How many responses of a closed round its report counts; None while it is open, when a
    total minus the groups shown on the round page would give a small group's count.

    Not every response in the database: the responses of a group left out of the report, added
    in, would say how many people in it answered (in a group of one, whether that person did)."""
    if a_round.status != "closed":
        return None
    return reported_response_total(a_round)


def reported_response_total(a_round: Round) -> int:
    """The responses a closed round's report counts (anonymity.reported_responses)."""
    groups = local_questionnaire(a_round.questionnaire_version).groups
    counts = response_counts(a_round.id)
    vis = visibility(counts, a_round.anonymity_threshold, groups, live_pools_of(a_round))
    return reported_responses(vis)


def live_pools_of(a_round: Round) -> LivePools:
    """How the round page counts (or counted) its groups: the report follows it."""
    groups = local_questionnaire(a_round.questionnaire_version).groups
    invited = invitation_counts(a_round.id, true())
    pooled = a_round.pooled_groups or ()
    if a_round.status == "draft":  # as `progress_of`: these groups will be pooled at open
        pooled = pool_small_groups(pooled, invited, a_round.anonymity_threshold)
    return live_pools(invited, pooled, a_round.anonymity_threshold, groups)


def response_counts(round_id: int) -> dict[str, int]:
    counts = dict(
        db.session.execute(
            select(Response.rater_group, func.count())
            .where(Response.round_id == round_id)
            .group_by(Response.rater_group)
        ).all()
    )
    return {g: counts.get(g, 0) for g in GROUP_IDS}
