"""Finding the round behind a survey link and saving a response, all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy import update

from ..extensions import db
from ..models import Answer
from ..models import Comment
from ..models import Invitation
from ..models import OpenLink
from ..models import Response
from ..models import Round
from ..tokens import hash_token
from ..tokens import token_matches


@dataclass(frozen=True)
class SurveyLink:
    round: Round
    group: str
    invitation_id: int | None
    open_link_id: int | None
    answered: bool


class AlreadyAnswered(Exception):
    pass


class RoundNotOpen(Exception):
    pass


def resolve(token: str) -> SurveyLink | None:
    """The link a token belongs to, or None for a forged, mistyped or replaced link."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is not None and token_matches(token, invitation.token_hash):
        return SurveyLink(
            invitation.round, invitation.rater_group, invitation.id, None, invitation.answered
        )
    link = db.session.scalar(select(OpenLink).where(OpenLink.token_hash == token_hash))
    if link is not None and token_matches(token, link.token_hash):
        return SurveyLink(link.round, link.rater_group, None, link.id, False)
    return None


def submit(link: SurveyLink, ratings: dict[str, int | None], comments: dict[str, str]) -> None:
    """Store one response in one transaction.

    For an invitation, the database decides single use: the conditional UPDATE marks it answered
    only if it was not already, so two parallel submits cannot both succeed. The response row
    gets nothing from the invitation but its group.
    """
    try:
        still_open = db.session.execute(
            update(Round)
            .where(Round.id == link.round.id, Round.status == "open")
            .values(status="open")
        ).rowcount
        if still_open != 1:
            raise RoundNotOpen
        if link.invitation_id is not None:
            marked = db.session.execute(
                update(Invitation)
                .where(Invitation.id == link.invitation_id, Invitation.answered.is_(False))
                .values(answered=True)
            ).rowcount
            if marked != 1:
                raise AlreadyAnswered
        db.session.add(
            Response(
                round_id=link.round.id,
                rater_group=link.group,
                answers=[Answer(item_id=i, value=v) for i, v in ratings.items()],
                comments=[Comment(key=k, text=t) for k, t in comments.items()],
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
