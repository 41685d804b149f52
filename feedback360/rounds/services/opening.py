"""Before a round opens: what it still lacks (readiness.missing_before_open), and opening it only
when nothing is missing or the leader chose to go without it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from ...extensions import db
from ...models import Invitation
from ...models import OpenLink
from ...models import Round
from ...models import SelfRating
from ...readiness import Missing
from ...readiness import may_open
from ...readiness import missing_before_open
from . import approval
from .common import RoundError
from .lifecycle import open_round


def missing_before_open_of(a_round: Round) -> tuple[Missing, ...]:
    """What the round lacks before it opens; nothing once it has opened."""
    if a_round.status != "draft":
        return ()
    return missing_before_open(
        _count(Invitation, Invitation.round_id == a_round.id),
        _count(OpenLink, OpenLink.round_id == a_round.id, OpenLink.nonce != ""),
        bool(_count(SelfRating, SelfRating.round_id == a_round.id)),
        approval.awaited_coach(a_round),
    )


def check_openable(a_round: Round) -> None:
    """Refuse the page that opens a round that is not a draft (opened in another tab, say)."""
    if a_round.status != "draft":
        raise RoundError(_("Only a draft round can be opened."))


def open_if_ready(a_round: Round, accepted: bool) -> tuple[Missing, ...]:
    """Open the round (lifecycle.open_round, which refuses a round that is not a draft) unless
    something is missing that blocks, or that the leader has not `accepted` to go without;
    then return what is missing, with the round left as it was."""
    missing = missing_before_open_of(a_round)
    if not may_open(missing, accepted):
        return missing
    open_round(a_round)
    return ()


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
