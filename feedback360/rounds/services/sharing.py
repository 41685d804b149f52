"""Sharing a round with a coach, and who may see which round."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy import select

from ...extensions import db
from ...models import CoachShare
from ...models import OutboxMessage
from ...models import Round
from ...models import User
from ...outbox import enqueue
from ...reports.wanted import want_new_copy
from . import approval
from .common import RoundError

# Mail to a coach about a round; what is still waiting goes when the share is stopped.
COACH_MAIL_KINDS = ("coach_share", "round_closed", "list_review")


def share_with_coach(a_round: Round, email: str) -> None:
    if a_round.is_pulse:  # seen by its round's coaches (`round_visible_to`)
        raise RoundError(
            _("A follow-up is seen by the coaches of its round: share the round itself.")
        )
    if email == a_round.leader.email:
        raise RoundError(_("That is your own address."))
    if any(inv.email == email for inv in a_round.invitations):
        raise RoundError(
            _(
                "This person is invited as an anonymous respondent, so they cannot also be the "
                "coach."
            )
        )
    if any(share.coach_email == email for share in a_round.shares):
        raise RoundError(_("This round is already shared with that coach."))
    share = CoachShare(round=a_round, coach_email=email)
    db.session.add(share)
    enqueue("coach_share", email, a_round.id)
    if a_round.status == "closed" and a_round.results_ready:
        db.session.flush()
        want_new_copy(a_round.id, share.id)  # their PDF, built before they first ask
    db.session.commit()


def share_of(a_round: Round, share_id: int) -> CoachShare | None:
    """The round's share with this id; None for another round's."""
    share = db.session.get(CoachShare, share_id)
    return share if share is not None and share.round_id == a_round.id else None


def stop_sharing(share: CoachShare) -> None:
    """The coach no longer sees the round (nor its results or report), nor gets mail about it.

    If they vouched for its rater list, nobody does any more: the report stops saying so. The
    copies that printed their shared note (the leader's) or their approval (every copy) are
    asked for anew; the others stay."""
    a_round = share.round
    note_in_leader_copy = share.note_shared and bool(share.debrief_note)
    approval_in_every_copy = approval.approved_by(a_round) == share.coach_email
    if share.reviews_rater_list:
        approval.forget_review(a_round)
    rounds_seen = [a_round.id] + ([a_round.pulse.id] if a_round.pulse else [])  # and its follow-up
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.round_id.in_(rounds_seen),
            OutboxMessage.to_address == share.coach_email,
            OutboxMessage.kind.in_(COACH_MAIL_KINDS),
            OutboxMessage.status == "pending",
        )
    )
    db.session.delete(share)
    db.session.flush()
    if a_round.status == "closed" and a_round.results_ready:
        if note_in_leader_copy or approval_in_every_copy:
            want_new_copy(a_round.id, None)
        if approval_in_every_copy:
            for other in a_round.shares:
                if other.id != share.id:
                    want_new_copy(a_round.id, other.id)
    db.session.commit()


def tell_coaches_round_closed(a_round: Round) -> None:
    """Queue a note to each coach of the round that it has closed (caller commits); a
    follow-up's go to the coaches of its round, who see it (`round_visible_to`)."""
    shared = a_round.parent_round if a_round.is_pulse else a_round
    for share in shared.shares:
        enqueue("round_closed", share.coach_email, a_round.id)


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
    """The round and the user's role in it ('leader' or 'coach'), or None: treat as not found.

    A pulse is seen by its original round's coaches: the share is of the round, and stopping it
    stops both."""
    a_round = db.session.get(Round, round_id)
    if a_round is None:
        return None
    if a_round.leader_id == user.id:
        return a_round, "leader"
    shared = a_round.parent_round if a_round.is_pulse else a_round
    if any(share.coach_email == user.email for share in shared.shares):
        return a_round, "coach"
    return None
