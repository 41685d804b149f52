"""Closing a round: what it keeps, what it forgets, and when its results may show."""

from __future__ import annotations

import random

from flask_babel import gettext as _
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from ... import storage
from ...anonymity import progress_to_stored
from ...declines import keep_declines
from ...extensions import db
from ...models import Answer
from ...models import Comment
from ...models import Invitation
from ...models import OutboxMessage
from ...models import Response
from ...models import Round
from ...models import SpentToken
from ...reports.wanted import want_all_copies
from .common import RoundError
from .common import today
from .progress import live_progress
from .sharing import tell_coaches_round_closed


def close_round(a_round: Round) -> None:
    """Close the round, rewrite its responses in a random order and its invitations anew.

    Rewriting in one transaction gives every response fresh rows, so neither row order, SQLite
    rowids nor PostgreSQL transaction ids still reflect the order in which people answered. On
    SQLite the WAL, which holds each submit as a commit of its own, is then checkpointed away.

    What a closed round no longer needs goes too: which links were used (maximum anonymity), and
    every trace of its reminders. Who declined is kept only as keyed digests, for the word back
    and the pulse (`declines`). A reminder goes only to people who have not answered yet, so its
    time (on the invitation and on the mail) says when someone had not answered; one still
    queued would only ask for an answer the round can no longer take.
    """
    round_id = a_round.id
    check_closable(a_round.status)
    if not _close_if_still_open(a_round):
        # Closed (or deleted) by another request since this copy was read: say which.
        check_closable(db.session.scalar(select(Round.status).where(Round.id == round_id)))
        raise RoundError(_("Only an open round can be closed."))
    _keep_counts_at_close(a_round)
    _rewrite_responses_shuffled(a_round.id)
    _keep_declines_as_digests(a_round)
    _rewrite_invitations(a_round.id)
    db.session.execute(delete(SpentToken).where(SpentToken.round_id == a_round.id))
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.round_id == a_round.id,
            (OutboxMessage.kind == "reminder")
            | ((OutboxMessage.kind == "invitation") & (OutboxMessage.status != "failed")),
        )
    )
    tell_coaches_round_closed(a_round)
    db.session.commit()
    settle_closed_rounds()


class RoundAlreadyClosed(RoundError):
    """Asked to close a round that is closed already: from a second click, another tab, or a
    page older than its closing date."""


def check_closable(status: str | None) -> None:
    """Refuse to close a round whose status is not "open" (None: it is gone)."""
    if status == "closed":
        raise RoundAlreadyClosed(_("This round is already closed; its results are below."))
    if status != "open":
        raise RoundError(_("Only an open round can be closed."))


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
    stored = progress_to_stored(live_progress(a_round, a_round.pooled_groups or ()))
    stored["mail_sent"] = sent_invitations
    a_round.progress_at_close = stored
    a_round.results_ready = False


def _keep_declines_as_digests(a_round: Round) -> None:
    """Before the invitations forget who declined: keep it where only the key can read it."""
    declined = db.session.scalars(
        select(Invitation.email).where(
            Invitation.round_id == a_round.id, Invitation.declined.is_(True)
        )
    ).all()
    keep_declines(a_round.original_id, declined)


def settle_closed_rounds() -> bool:
    """Let the results of closed rounds be shown once no file holds their submits any more, and
    ask for their PDF copies (the leader's and each coach's) to be built.

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
    # The sender builds their PDFs (reports.stored): a round's report, or a pulse's short one.
    want_all_copies(waiting)
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
