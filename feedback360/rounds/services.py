"""What a leader does with a round: create, open, invite, share, close."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import update

from .. import questionnaire
from .. import storage
from ..anonymity import GroupActivity
from ..anonymity import LivePools
from ..anonymity import ProgressLine
from ..anonymity import ProgressView
from ..anonymity import can_change_threshold
from ..anonymity import invitations_beside_open_link_refused
from ..anonymity import live_pools
from ..anonymity import open_link_refused
from ..anonymity import pool_small_groups
from ..anonymity import progress_from_stored
from ..anonymity import progress_not_kept
from ..anonymity import progress_to_stored
from ..anonymity import progress_view
from ..anonymity import reported_responses
from ..anonymity import threshold_raise_refused
from ..anonymity import visibility
from ..bursts import Burst
from ..bursts import detect_bursts
from ..clock import today_utc
from ..extensions import db
from ..invitation_list import Invitee
from ..invitation_list import LineError
from ..invitation_list import parse_invitees
from ..models import GROUP_IDS
from ..models import Answer
from ..models import CoachShare
from ..models import Comment
from ..models import Invitation
from ..models import OpenLink
from ..models import OpenLinkHour
from ..models import OutboxMessage
from ..models import Response
from ..models import Round
from ..models import SelfRating
from ..models import SpentToken
from ..models import User
from ..outbox import enqueue
from ..outbox import now as outbox_now
from ..tokens import hash_token
from ..tokens import invitation_token
from ..tokens import new_nonce
from ..tokens import open_link_token

REMINDER_GAP = timedelta(hours=24)


class RoundError(Exception):
    """A request the round's state does not allow; the message is shown to the leader."""


def today() -> date:
    """Closing dates and the dates a round records are UTC dates (see `clock`)."""
    return today_utc()


def create_round(leader: User, **fields) -> Round:
    new_round = Round(
        leader=leader,
        questionnaire_version=questionnaire.CURRENT_VERSION,
        status="draft",
        **fields,
    )
    db.session.add(new_round)
    db.session.commit()
    return new_round


def update_round(a_round: Round, **fields) -> None:
    if a_round.status == "closed":
        raise RoundError("This round is closed; its settings can no longer change.")
    if "max_anonymity" in fields and bool(fields["max_anonymity"]) != a_round.max_anonymity:
        if has_gone_out(a_round):
            raise RoundError(
                "Links have gone out, so maximum anonymity can no longer be switched "
                f"{'off' if a_round.max_anonymity else 'on'}: people were invited under "
                "the current setting."
            )
    new_threshold = fields.get("anonymity_threshold", a_round.anonymity_threshold)
    problem = can_change_threshold(
        a_round.anonymity_threshold, new_threshold, invitations_sent=has_gone_out(a_round)
    )
    if problem:
        raise RoundError(problem)
    if new_threshold != a_round.anonymity_threshold:
        _hold_round(a_round.id)
        problem = threshold_raise_refused(
            new_threshold,
            _invitations_beside_open_links(a_round),
            questionnaire.load(a_round.questionnaire_version).groups,
        )
        if problem:
            raise RoundError(problem)
    for name, value in fields.items():
        setattr(a_round, name, value)
    db.session.commit()


def has_gone_out(a_round: Round) -> bool:
    """True once any link exists: from then on the threshold can only go up, and maximum
    anonymity stays as it is (switching it would mix two ways of recording single use)."""
    return bool(a_round.invitations or a_round.open_links or a_round.status != "draft")


def is_overdue(status: str, closes_on: date | None) -> bool:
    """An open round whose closing date has passed: it is closed at its next use."""
    return status == "open" and closes_on is not None and closes_on < today()


def refresh_status(a_round: Round) -> Round | None:
    """Close an open round whose closing date has passed.

    Returns the round as it is now: another request may have closed it first, or deleted it
    (None), in which case that request's outcome stands.
    """
    round_id = a_round.id
    if is_overdue(a_round.status, a_round.closes_on):
        try:
            close_round(a_round)
        except RoundError:
            return db.session.get(Round, round_id)
    return a_round


def open_round(a_round: Round) -> None:
    """Open the round and queue the invitation emails of everyone invited so far."""
    if a_round.status != "draft":
        raise RoundError("Only a draft round can be opened.")
    if a_round.closes_on and a_round.closes_on < today():
        raise RoundError("The closing date has passed; choose a later one before opening.")
    a_round.status = "open"
    a_round.opened_on = today()
    _pool_small_groups(a_round)
    for invitation in a_round.invitations:
        if not invitation.declined:
            enqueue("invitation", invitation.email, a_round.id, invitation.id)
    db.session.commit()


def close_round(a_round: Round) -> None:
    """Close the round, rewrite its responses in a random order and its invitations anew.

    Rewriting in one transaction gives every response fresh rows, so neither row order, SQLite
    rowids nor PostgreSQL transaction ids still reflect the order in which people answered. On
    SQLite the WAL, which holds each submit as a commit of its own, is then checkpointed away.

    What a closed round no longer needs goes too: which links were used (maximum anonymity), and
    every trace of its reminders. A reminder goes only to people who have not answered yet, so its
    time (on the invitation and on the mail) says when someone had not answered; one still
    queued would only ask for an answer the round can no longer take.
    """
    if a_round.status != "open" or not _close_if_still_open(a_round):
        raise RoundError("Only an open round can be closed.")
    _keep_counts_at_close(a_round)
    _rewrite_responses_shuffled(a_round.id)
    _rewrite_invitations(a_round.id)
    db.session.execute(delete(SpentToken).where(SpentToken.round_id == a_round.id))
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.round_id == a_round.id,
            (OutboxMessage.kind == "reminder")
            | ((OutboxMessage.kind == "invitation") & (OutboxMessage.status != "failed")),
        )
    )
    db.session.commit()
    settle_closed_rounds()


def _keep_counts_at_close(a_round: Round) -> None:
    """Store the page's lines, and the invitation mail sent, before the invitations and their
    mail forget who answered and who declined.

    An invitation's mail that went out (or was withheld: its person had declined) is deleted,
    with any still waiting (its link would only show a closed round, and its person may have
    declined): a "withheld" row names who declined. Failed ones stay, named to the leader as
    while the round was open."""
    sent_invitations = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.round_id == a_round.id,
            OutboxMessage.kind == "invitation",
            OutboxMessage.status.in_(("sent", "withheld")),
        )
    )
    stored = progress_to_stored(_live_progress(a_round, a_round.pooled_groups or ()))
    stored["mail_sent"] = sent_invitations
    a_round.progress_at_close = stored
    a_round.results_ready = False


def settle_closed_rounds() -> bool:
    """Let the results of closed rounds be shown once no file holds their submits any more.

    Until a WAL checkpoint after its close has run, the SQLite WAL still holds each submit of the
    round as a commit of its own, the answered invitation next to its response. A reader can hold
    the checkpoint back; the round's results then wait (`results_ready` stays False), and the
    next call (the sender's loop, or someone asking for the results) tries again. True when no
    closed round is waiting.
    """
    waiting = db.session.scalars(
        select(Round.id).where(Round.status == "closed", Round.results_ready.is_(False))
    ).all()
    db.session.commit()  # no snapshot of ours may hold the checkpoint back
    if not waiting:
        return True
    if not storage.forget_deleted_pages(db.engine):
        return False
    # Only the rounds closed before the checkpoint: one closed since waits for its own.
    db.session.execute(
        update(Round)
        .where(Round.id.in_(waiting))
        .values(results_ready=True)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    storage.forget_deleted_pages(db.engine)  # leave the WAL empty, as a checkpoint does
    return True


def results_ready(a_round: Round) -> bool:
    """Whether a closed round's results may be shown now; tries the owed checkpoint first."""
    if a_round.results_ready:
        return True
    settle_closed_rounds()
    db.session.refresh(a_round, ["results_ready"])
    return a_round.results_ready


def _close_if_still_open(a_round: Round) -> bool:
    """Mark the round closed in the database only if it is still open there.

    The caller's copy may be stale: another request may have closed or deleted the round since
    it was loaded. The conditional UPDATE also takes the round's row lock (PostgreSQL) or the
    write lock (SQLite) before anything else, so submits and reminders under way finish first.
    """
    closed = db.session.execute(
        update(Round)
        .where(Round.id == a_round.id, Round.status == "open")
        .values(status="closed", closed_on=today())
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(a_round, ["status", "closed_on"])
    return True


def delete_round(a_round: Round) -> None:
    """Delete the round and everything in it, in any state, for good.

    One statement: the foreign keys' ON DELETE CASCADE removes responses, answers, comments,
    invitations, spent links, open links and their hourly counts, queued mail, coach shares and
    self ratings in the same transaction. On SQLite the WAL is then checkpointed, so no earlier
    version of a deleted page (a comment, the why statement) is left in the files.
    """
    db.session.execute(delete(Round).where(Round.id == a_round.id))
    db.session.commit()
    storage.forget_deleted_pages(db.engine)


def _rewrite_responses_shuffled(round_id: int) -> None:
    responses = db.session.scalars(select(Response).where(Response.round_id == round_id)).all()
    copies = [
        (
            r.rater_group,
            r.platforms,
            [(a.item_id, a.value) for a in r.answers],
            [(c.key, c.text) for c in r.comments],
        )
        for r in responses
    ]
    for r in responses:
        db.session.delete(r)
    db.session.flush()
    random.SystemRandom().shuffle(copies)
    for group, platforms, answers, comments in copies:
        db.session.add(
            Response(
                round_id=round_id,
                rater_group=group,
                platforms=platforms,
                answers=[Answer(item_id=i, value=v) for i, v in answers],
                comments=[Comment(key=k, text=t) for k, t in comments],
            )
        )


def _rewrite_invitations(round_id: int) -> None:
    """PostgreSQL writes an updated row anew, stamped with its transaction id: an answered
    invitation keeps the id of the submit that marked it, shared with that submit's (now dead)
    response rows, and the heap holds those invitations in the order people answered. One
    UPDATE per invitation, in id order (the order they were invited), in the closing
    transaction, leaves neither. Id order is also the order in which the ORM's flushes (sending
    reminders) lock invitations, so the two cannot deadlock. SQLite updates rows in place, in
    rowid order. The same UPDATE forgets when each person was last reminded (see close_round), and
    whether they answered or declined: with one answer in a group, a copy of the database would
    otherwise tie that person to it. The page's counts were kept first (_keep_counts_at_close)."""
    ids = db.session.scalars(
        select(Invitation.id).where(Invitation.round_id == round_id).order_by(Invitation.id)
    ).all()
    if not ids:
        return
    table = Invitation.__table__
    rewrite = (
        update(table)
        .where(table.c.id == bindparam("invitation_id"))
        .values(last_reminded_at=None, answered=False, declined=False)
    )
    db.session.connection().execute(rewrite, [{"invitation_id": i} for i in ids])


def progress_of(a_round: Round) -> ProgressView:
    """Invited, answered, declined and received per group, as the leader may see them:
    counts only, never who, and none for a group so small that a change would name someone
    (anonymity.progress_view). A closed round's come from what was kept at close.

    With maximum anonymity nobody records which invitations were answered, so `answered` is
    None; the responses received per group are still counted.
    """
    q = questionnaire.load(a_round.questionnaire_version)
    if a_round.status == "closed":
        kept = progress_from_stored(a_round.progress_at_close, q.groups)
        return kept if kept is not None else progress_not_kept(a_round.anonymity_threshold)
    pooled = a_round.pooled_groups or ()
    if a_round.status == "draft":  # nothing moves yet; these groups will be pooled at open
        pooled = pool_small_groups(
            pooled, _invitation_counts(a_round.id, true()), a_round.anonymity_threshold
        )
    return _live_progress(a_round, pooled)


def progress(a_round: Round) -> list[ProgressLine]:
    return list(progress_of(a_round).lines)


def _live_progress(a_round: Round, pooled) -> ProgressView:
    invited = _invitation_counts(a_round.id, true())
    answered = _invitation_counts(a_round.id, Invitation.answered.is_(True))
    declined = _invitation_counts(a_round.id, Invitation.declined.is_(True))
    activity = {
        g: GroupActivity(
            invited.get(g, 0),
            None if a_round.max_anonymity else answered.get(g, 0),
            declined.get(g, 0),
            count,
        )
        for g, count in response_counts(a_round.id).items()
    }
    q = questionnaire.load(a_round.questionnaire_version)
    return progress_view(activity, pooled, a_round.anonymity_threshold, q.groups)


def _pool_small_groups(a_round: Round) -> None:
    """From opening on, a group with fewer invitees than the threshold is counted only together
    with the other small groups, and stays so (see anonymity.py)."""
    db.session.flush()
    a_round.pooled_groups = list(
        pool_small_groups(
            a_round.pooled_groups or (),
            _invitation_counts(a_round.id, true()),
            a_round.anonymity_threshold,
        )
    )


def _invitation_counts(round_id: int, condition) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Invitation.rater_group, func.count())
            .where(Invitation.round_id == round_id, condition)
            .group_by(Invitation.rater_group)
        ).all()
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
        select(OutboxMessage.to_address, OutboxMessage.last_error)
        .where(OutboxMessage.round_id == a_round.id, OutboxMessage.status == "failed", not_reminder)
        .order_by(OutboxMessage.to_address)
    ).all()
    kept = _mail_sent_before_close(a_round.progress_at_close)
    return MailStatus(
        counts.get("pending", 0),
        counts.get("sent", 0) + counts.get("withheld", 0) + kept,
        [tuple(f) for f in failed],
    )


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
    groups = questionnaire.load(a_round.questionnaire_version).groups
    counts = response_counts(a_round.id)
    vis = visibility(counts, a_round.anonymity_threshold, groups, live_pools_of(a_round))
    return reported_responses(vis)


def live_pools_of(a_round: Round) -> LivePools:
    """How the round page counts (or counted) its groups: the report follows it."""
    groups = questionnaire.load(a_round.questionnaire_version).groups
    invited = _invitation_counts(a_round.id, true())
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


def save_self_assessment(a_round: Round, values: dict[str, int | None]) -> None:
    if a_round.status == "closed":
        raise RoundError("This round is closed; the self-assessment can no longer change.")
    db.session.query(SelfRating).filter_by(round_id=a_round.id).delete()
    db.session.add_all(
        SelfRating(round_id=a_round.id, item_id=item_id, value=value)
        for item_id, value in values.items()
    )
    db.session.commit()


def forbidden_invitees(a_round: Round) -> dict[str, str]:
    """Emails that cannot answer anonymously: the leader's own and the coaches'."""
    forbidden = {
        share.coach_email: "This is a coach of this round; coaches cannot rate anonymously."
        for share in a_round.shares
    }
    forbidden[a_round.leader.email] = (
        "That is your own address: rate yourself in the self-assessment instead."
    )
    return forbidden


def add_invitations(a_round: Round, text: str) -> tuple[list[tuple[Invitee, str]], list[LineError]]:
    """Create invitations for the good lines; return each with its raw token, shown only once."""
    if a_round.status == "closed":
        raise RoundError("This round is closed; no more invitations can be added.")
    _hold_round(a_round.id)
    already = {inv.email for inv in a_round.invitations}
    invitees, errors = parse_invitees(
        text, already_invited=already, forbidden=forbidden_invitees(a_round)
    )
    invitees, errors = _refuse_too_few_beside_open_links(a_round, invitees, errors)
    created, invitations = [], []
    for invitee in invitees:
        invitation = Invitation(round=a_round, email=invitee.email, rater_group=invitee.group)
        created.append((invitee, _new_link(invitation)))
        invitations.append(invitation)
    db.session.add_all(invitations)
    if a_round.status == "open":
        db.session.flush()  # one round trip gives every invitation its id for the outbox
        for invitation in invitations:
            enqueue("invitation", invitation.email, a_round.id, invitation.id)
        _pool_small_groups(a_round)
    db.session.commit()
    return created, errors


def _hold_round(round_id: int) -> None:
    """Hold the round's row lock (PostgreSQL) or the write lock (SQLite) until commit, so two
    requests that each check the open-link rule (one adding invitations, one making a link or
    raising the threshold) cannot both pass it on what the other has not committed yet."""
    db.session.execute(
        update(Round)
        .where(Round.id == round_id)
        .values(status=Round.status)
        .execution_options(synchronize_session=False)
    )


def _invitations_beside_open_links(a_round: Round) -> dict[str, int]:
    """The personal invitations of each group that has an open link (0 for none)."""
    invited = _invitation_counts(a_round.id, true())
    linked = db.session.scalars(
        select(OpenLink.rater_group).where(OpenLink.round_id == a_round.id)
    )  # read again, not the round's loaded links: another request may have added one
    return {group: invited.get(group, 0) for group in linked}


def _refuse_too_few_beside_open_links(
    a_round: Round, invitees: list[Invitee], errors: list[LineError]
) -> tuple[list[Invitee], list[LineError]]:
    """Leave out every new invitee of a group with an open link that would end up with 1 to
    threshold - 1 personal invitations (anonymity.open_link_mix_is_small), each line with why."""
    beside_links = _invitations_beside_open_links(a_round)
    groups = {g.id: g for g in questionnaire.load(a_round.questionnaire_version).groups}
    refused_groups = {}
    for group_id, invited in beside_links.items():
        adding = sum(1 for invitee in invitees if invitee.group == group_id)
        if not adding:
            continue
        reason = invitations_beside_open_link_refused(
            groups[group_id], invited, adding, a_round.anonymity_threshold
        )
        if reason:
            refused_groups[group_id] = reason
    if not refused_groups:
        return invitees, errors
    refused = [
        LineError(i.line_number, i.line, refused_groups[i.group])
        for i in invitees
        if i.group in refused_groups
    ]
    kept = [invitee for invitee in invitees if invitee.group not in refused_groups]
    return kept, sorted(errors + refused, key=lambda error: error.line_number)


def _new_link(invitation: Invitation) -> str:
    """Give the invitation a fresh nonce (any older link stops working) and return its token."""
    invitation.nonce = new_nonce()
    token = invitation_token(current_app.config["SECRET_KEY"], invitation.nonce)
    invitation.token_hash = hash_token(token)
    return token


def new_invitation_link(invitation: Invitation) -> str:
    """Replace a lost link: the old one stops working; an open round emails the new one.

    It does the same whether or not the person has answered (their new link then opens the
    "already answered" page), or declined mail: their message is queued all the same and the
    sender withholds it, so the leader learns nothing from asking, not even from the mail counts.
    """
    if invitation.round.status == "closed":
        raise RoundError("This round is closed.")
    token = _new_link(invitation)
    if invitation.round.status == "open":
        enqueue("invitation", invitation.email, invitation.round_id, invitation.id)
    db.session.commit()
    return token


@dataclass(frozen=True)
class ReminderResult:
    queued: int
    too_soon: int


def send_reminders(a_round: Round) -> ReminderResult:
    """Queue a reminder for each invitee who has not answered, at most once a day each.

    With maximum anonymity nobody knows who has answered, so everyone who has not declined is
    reminded; the reminder thanks those who already did.
    """
    if not _lock_while_open(a_round.id):
        db.session.rollback()
        raise RoundError("Reminders can be sent only while the round is open.")
    moment = outbox_now()
    queued = too_soon = 0
    for invitation in a_round.invitations:
        if invitation.declined or (invitation.answered and not a_round.max_anonymity):
            continue
        if invitation.last_reminded_at and moment - invitation.last_reminded_at < REMINDER_GAP:
            too_soon += 1
            continue
        invitation.last_reminded_at = moment
        enqueue("reminder", invitation.email, a_round.id, invitation.id)
        queued += 1
    db.session.commit()
    return ReminderResult(queued, too_soon)


def _lock_while_open(round_id: int) -> bool:
    """Whether the round is open now, holding it so until commit.

    The page's copy of the round may be stale: another request may have closed it since, and
    closing removes every reminder. A no-op UPDATE that only matches an open round takes the
    round's row lock (PostgreSQL) or the write lock (SQLite) first, as `close_round` does, so a
    close waits for these reminders (and then removes them) or comes first and is seen here.
    """
    still_open = db.session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == "open")
        .values(status=Round.status)
        .execution_options(synchronize_session=False)
    )
    return still_open.rowcount == 1


def decline(invitation: Invitation) -> None:
    """The invitee wants no more mail about this round; their link keeps working.

    A closed round sends no more mail, and has forgotten who declined: nothing is recorded."""
    if invitation.round.status == "closed":
        return
    invitation.declined = True
    db.session.commit()


def run_schedule() -> dict[str, int]:
    """What the sender loop does besides sending: close overdue rounds, automatic reminders,
    and a WAL checkpoint that a reader held back."""
    storage.retry_pending_checkpoint(db.engine)
    settle_closed_rounds()
    closed = reminded = 0
    for round_id in db.session.scalars(select(Round.id).where(Round.status == "open")).all():
        a_round = db.session.get(Round, round_id)
        if a_round is None:
            continue
        # A leader may close or delete the round meanwhile: their change stands, and the sender
        # goes on with the next round.
        try:
            if is_overdue(a_round.status, a_round.closes_on):
                close_round(a_round)
                closed += 1
                continue
            days = a_round.reminder_days_before_close
            if days and a_round.closes_on and not a_round.auto_reminder_sent:
                if today() >= a_round.closes_on - timedelta(days=days):
                    reminded += send_reminders(a_round).queued
                    a_round.auto_reminder_sent = True
                    db.session.commit()
        except RoundError:
            db.session.rollback()
    return {"closed": closed, "reminders": reminded}


def ensure_open_link(a_round: Round, group: str) -> OpenLink:
    if a_round.status == "closed":
        raise RoundError("This round is closed; open links can no longer be created.")
    link = find_open_link(a_round, group)
    if link is None:
        _hold_round(a_round.id)
        refused = open_link_refused(
            questionnaire.load(a_round.questionnaire_version).group(group),
            _invitation_counts(a_round.id, Invitation.rater_group == group).get(group, 0),
            a_round.anonymity_threshold,
        )
        if refused:
            raise RoundError(refused)
        link = OpenLink(round=a_round, rater_group=group, nonce="", token_hash="")
        db.session.add(link)
    return link


def rotate_open_link(link: OpenLink, secret_key: str) -> str:
    """Give the link a new token (the old one stops working) and return the new token."""
    link.nonce = new_nonce()
    token = open_link_token(secret_key, link.nonce)
    link.token_hash = hash_token(token)
    db.session.commit()
    return token


def find_open_link(a_round: Round, group: str) -> OpenLink | None:
    return next((link for link in a_round.open_links if link.rater_group == group), None)


def set_open_link_settings(link: OpenLink, max_responses: int | None, paused: bool) -> None:
    """Cap the link's answers (None: no cap) and pause or resume it.

    A cap at or below the answers already in stops the link; answers already saved stay.
    """
    if link.round.status == "closed":
        raise RoundError("This round is closed; its open links no longer take answers anyway.")
    link.max_responses = max_responses
    link.paused = paused
    db.session.commit()


def open_link_bursts(a_round: Round) -> list[tuple[OpenLink, Burst]]:
    """Hours in which one open link took a suspicious share of its answers (see bursts.py)."""
    links = {link.id: link for link in a_round.open_links}
    if not links:
        return []
    hours: dict[int, list[tuple]] = {link_id: [] for link_id in links}
    for link_id, hour, answers in db.session.execute(
        select(OpenLinkHour.open_link_id, OpenLinkHour.hour, OpenLinkHour.answers).where(
            OpenLinkHour.open_link_id.in_(links)
        )
    ):
        hours[link_id].append((hour, answers))
    return [
        (links[link_id], burst)
        for link_id in sorted(links, key=lambda i: links[i].rater_group)
        for burst in detect_bursts(hours[link_id], links[link_id].responses)
    ]


def open_link_cautions(a_round: Round) -> list[str]:
    """The burst warnings as sentences for the round and results pages."""
    q = questionnaire.load(a_round.questionnaire_version)
    return [
        burst.caution(q.group(link.rater_group).label.lower())
        for link, burst in open_link_bursts(a_round)
    ]


def share_with_coach(a_round: Round, email: str) -> None:
    if email == a_round.leader.email:
        raise RoundError("That is your own address.")
    if any(inv.email == email for inv in a_round.invitations):
        raise RoundError(
            "This person is invited as an anonymous respondent, so they cannot also be the coach."
        )
    if any(share.coach_email == email for share in a_round.shares):
        raise RoundError("This round is already shared with that coach.")
    db.session.add(CoachShare(round=a_round, coach_email=email))
    enqueue("coach_share", email, a_round.id)
    db.session.commit()


def rounds_led_by(user: User) -> list[Round]:
    return list(
        db.session.scalars(
            select(Round).where(Round.leader_id == user.id).order_by(Round.created_at.desc())
        )
    )


def rounds_shared_with(user: User) -> list[Round]:
    return list(
        db.session.scalars(
            select(Round)
            .join(CoachShare)
            .where(CoachShare.coach_email == user.email)
            .order_by(Round.created_at.desc())
        )
    )


def round_visible_to(round_id: int, user: User) -> tuple[Round, str] | None:
    """The round and the user's role in it ('leader' or 'coach'), or None: treat as not found."""
    a_round = db.session.get(Round, round_id)
    if a_round is None:
        return None
    if a_round.leader_id == user.id:
        return a_round, "leader"
    if any(share.coach_email == user.email for share in a_round.shares):
        return a_round, "coach"
    return None
