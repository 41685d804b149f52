"""Finding the round behind a survey link and saving a response, all-or-nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import current_app
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Answer
from ..models import Comment
from ..models import Invitation
from ..models import OpenLink
from ..models import OpenLinkHour
from ..models import Response
from ..models import Round
from ..models import SpentToken
from ..tokens import hash_token
from ..tokens import spent_digest
from ..tokens import token_matches


@dataclass(frozen=True)
class SurveyLink:
    round: Round
    group: str
    invitation_id: int | None
    open_link_id: int | None
    answered: bool
    paused: bool = False  # open links only: the leader has paused it
    full: bool = False  # open links only: it has all the answers its cap allows


class AlreadyAnswered(Exception):
    pass


class RoundNotOpen(Exception):
    pass


class LinkPaused(Exception):
    pass


class LinkFull(Exception):
    pass


def current_hour() -> datetime:
    """The start of the current clock hour, UTC, naive like every stored time."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def resolve(token: str) -> SurveyLink | None:
    """The link a token belongs to, or None for a forged, mistyped or replaced link."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    # The round comes in the same query: every survey request needs it.
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.round))
        .where(Invitation.token_hash == token_hash)
    )
    if invitation is not None and token_matches(token, invitation.token_hash):
        if invitation.round.max_anonymity:
            answered = _spent(_invitation_digest(invitation.round_id, invitation.id))
        else:
            answered = invitation.answered
        return SurveyLink(invitation.round, invitation.rater_group, invitation.id, None, answered)
    link = db.session.scalar(
        select(OpenLink)
        .options(joinedload(OpenLink.round))
        .where(OpenLink.token_hash == token_hash)
    )
    if link is not None and token_matches(token, link.token_hash):
        full = link.max_responses is not None and link.responses >= link.max_responses
        return SurveyLink(
            link.round, link.rater_group, None, link.id, False, paused=link.paused, full=full
        )
    return None


def submit(
    link: SurveyLink,
    ratings: dict[str, int | None],
    comments: dict[str, str],
    platforms: Iterable[str] = (),
) -> None:
    """Store one response in one transaction.

    For an invitation, the database decides single use: the conditional UPDATE marks it answered
    only if it was not already, so two parallel submits cannot both succeed. The response row
    gets nothing from the invitation but its group. In a round with maximum anonymity the
    invitation is left untouched; instead a `SpentToken` row is inserted, and its unique digest
    refuses a second one.

    For an open link, a conditional UPDATE likewise takes one of the places its cap allows, only
    while the link is not paused, so parallel submits cannot exceed the cap. The answer is also
    counted into its clock hour (`OpenLinkHour`) for burst detection.
    """
    response_id = str(uuid.uuid4())
    answer_rows = [
        {"response_id": response_id, "item_id": item_id, "value": value}
        for item_id, value in ratings.items()
    ]
    comment_rows = [
        {"id": str(uuid.uuid4()), "response_id": response_id, "key": key, "text": text}
        for key, text in comments.items()
    ]
    try:
        # Core statements on the session's connection, not ORM objects or ORM-enabled DML: the
        # rows are plain data, and every millisecond counts while the write lock is held.
        conn = db.session.connection()
        _hold_round_open(link.round.id)
        conn.execute(
            insert(Response).values(
                id=response_id,
                round_id=link.round.id,
                rater_group=link.group,
                platforms=platforms_text(platforms),
            )
        )
        if answer_rows:
            conn.execute(insert(Answer), answer_rows)
        if comment_rows:
            conn.execute(insert(Comment), comment_rows)
        # The rows other submits also update go last, so their locks are held shortest.
        if link.invitation_id is not None and link.round.max_anonymity:
            _spend(link.round.id, link.invitation_id)
        elif link.invitation_id is not None:
            marked = conn.execute(
                update(Invitation)
                .where(Invitation.id == link.invitation_id, Invitation.answered.is_(False))
                .values(answered=True)
            ).rowcount
            if marked != 1:
                raise AlreadyAnswered
        if link.open_link_id is not None:
            _take_open_link_place(link.open_link_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _hold_round_open(round_id: int) -> None:
    """Raise RoundNotOpen unless the round is open, and keep it open until this commit.

    PostgreSQL: a shared row lock, which many submits hold at once and which `close_round`'s
    UPDATE waits for. SQLite has one writer at a time: a no-op UPDATE takes the write lock at the
    first statement, so the check and the inserts see the same state.
    """
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        status = conn.scalar(
            select(Round.status).where(Round.id == round_id).with_for_update(read=True)
        )
        still_open = status == "open"
    else:
        still_open = (
            conn.execute(
                update(Round)
                .where(Round.id == round_id, Round.status == "open")
                .values(status="open")
            ).rowcount
            == 1
        )
    if not still_open:
        raise RoundNotOpen


def _invitation_digest(round_id: int, invitation_id: int) -> str:
    return spent_digest(current_app.config["SECRET_KEY"], round_id, invitation_id)


def _spent(digest: str) -> bool:
    found = db.session.scalar(select(SpentToken.digest).where(SpentToken.digest == digest))
    return found is not None


def _spend(round_id: int, invitation_id: int) -> None:
    """Record the link as used, or raise AlreadyAnswered if it already was.

    Flushed on its own, before the response, so that a unique violation can only be this row. On
    PostgreSQL it leaves the transaction aborted; `submit` rolls it back as for any refusal.
    """
    digest = _invitation_digest(round_id, invitation_id)
    db.session.add(SpentToken(round_id=round_id, digest=digest))
    try:
        db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered from None


def platforms_text(platforms: Iterable[str]) -> str:
    """Stored sorted, so the column says which platforms, never in which order they were ticked."""
    return ",".join(sorted(set(platforms)))


def _take_open_link_place(open_link_id: int) -> None:
    """Count one answer into the open link and its hour, or raise LinkPaused / LinkFull."""
    conn = db.session.connection()
    taken = conn.execute(
        update(OpenLink)
        .where(
            OpenLink.id == open_link_id,
            OpenLink.paused.is_(False),
            or_(OpenLink.max_responses.is_(None), OpenLink.responses < OpenLink.max_responses),
        )
        .values(responses=OpenLink.responses + 1)
    ).rowcount
    if taken != 1:
        paused = db.session.scalar(select(OpenLink.paused).where(OpenLink.id == open_link_id))
        raise LinkPaused if paused else LinkFull
    # Select-free upsert: try the increment, insert if the hour has no row yet. The UPDATE above
    # holds this link's row (PostgreSQL row lock, SQLite write lock) until commit, so a parallel
    # submit to the same link cannot insert the same hour in between.
    hour = current_hour()
    counted = conn.execute(
        update(OpenLinkHour)
        .where(OpenLinkHour.open_link_id == open_link_id, OpenLinkHour.hour == hour)
        .values(answers=OpenLinkHour.answers + 1)
    ).rowcount
    if counted != 1:
        conn.execute(insert(OpenLinkHour).values(open_link_id=open_link_id, hour=hour, answers=1))
