"""What the round services share: the refusal, the date, the round's lock, invitation counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from ...clock import today_utc
from ...extensions import db
from ...models import Invitation
from ...models import Round


class RoundError(Exception):
    """A request the round's state does not allow; the message is shown to the leader."""


def today() -> date:
    """Closing dates and the dates a round records are UTC dates (see `clock`)."""
    return today_utc()


def hold_round(round_id: int) -> None:
    """Hold the round's row lock (PostgreSQL) or the write lock (SQLite) until commit, so two
    requests that each check the open-link rule (one adding invitations, one making a link or
    raising the threshold) cannot both pass it on what the other has not committed yet."""
    db.session.execute(
        update(Round)
        .where(Round.id == round_id)
        .values(status=Round.status)
        .execution_options(synchronize_session=False)
    )


def invitation_counts(round_id: int, condition) -> dict[str, int]:
    """The round's invitations per group that meet `condition` (`true()` for all of them)."""
    return dict(
        db.session.execute(
            select(Invitation.rater_group, func.count())
            .where(Invitation.round_id == round_id, condition)
            .group_by(Invitation.rater_group)
        ).all()
    )
