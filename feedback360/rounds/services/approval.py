"""Rater lists a coach vouches for: the leader asks one coach of the round to approve who is
invited before it opens, so a leader cannot pad a small group with addresses they control.

The state lives on the coach's share (`CoachShare.reviews_rater_list`, `rater_list_approved`)
and on each open link (`OpenLink.awaiting_coach`); the database allows one reviewer per round and
an approval only where one was asked for. The rules:

- while a reviewer is asked, the round opens only once they have approved the list; any change
  the leader makes to it (an invitation, a new open link, a higher cap) withdraws the approval;
- once open, the leader adds no one: the coach adds people on their page; an open link the leader
  makes, or lets take more answers, takes none until the coach approves it;
- the report says "rater list approved by the coach" (`approved_by`).

What the coach sees is the addresses and groups, never who answered or declined
(`coaching.views`).
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import update

from ...extensions import db
from ...models import CoachShare
from ...models import Invitation
from ...models import OpenLink
from ...models import Round
from ...outbox import enqueue
from ...readiness import coach_has_not_approved
from .common import RoundError
from .common import hold_round


def reviewer_of(a_round: Round) -> CoachShare | None:
    """The coach asked to vouch for the round's rater list, if any."""
    return next((share for share in a_round.shares if share.reviews_rater_list), None)


def approved_by(a_round: Round) -> str | None:
    """The address of the coach who approved the list a round opened with; None if nobody."""
    share = reviewer_of(a_round)
    if share is None or not share.rater_list_approved or a_round.opened_on is None:
        return None
    return share.coach_email


def ask_coach_to_review(a_round: Round, share: CoachShare) -> None:
    """Ask this coach of the round to approve its rater list before it opens, and tell them."""
    if a_round.status != "draft":
        raise RoundError(_("A coach can be asked to approve the rater list only before it opens."))
    hold_round(a_round.id)  # a second request (a double click, another tab) waits, then sees this
    current = db.session.scalar(
        select(CoachShare)
        .where(CoachShare.round_id == a_round.id, CoachShare.reviews_rater_list.is_(True))
        .execution_options(populate_existing=True)
    )
    if current is not None:
        db.session.rollback()
        raise RoundError(
            _("%(email)s is already asked to approve the rater list.", email=current.coach_email)
            if current.id == share.id
            else _(
                "%(email)s is already asked to approve the rater list; withdraw that request "
                "first.",
                email=current.coach_email,
            )
        )
    share.reviews_rater_list = True
    share.rater_list_approved = False
    _set_links_awaiting(a_round.id, True)  # the coach approves the links with the list
    enqueue("list_review", share.coach_email, a_round.id)
    db.session.commit()


def withdraw_review_request(a_round: Round) -> None:
    """The leader opens without their coach's approval after all (before opening only)."""
    share = reviewer_of(a_round)
    if share is None:
        return
    if a_round.status != "draft":
        raise RoundError(
            _("The round opened with the list your coach approved; that cannot be undone.")
        )
    forget_review(a_round)
    db.session.commit()


def forget_review(a_round: Round) -> None:
    """No coach vouches for the list any more (a request withdrawn, the coach's share stopped):
    nothing waits for one. Caller commits."""
    share = reviewer_of(a_round)
    if share is None:
        return
    share.reviews_rater_list = False
    share.rater_list_approved = False
    _set_links_awaiting(a_round.id, False)


def refuse_open_unless_approved(a_round: Round) -> None:
    """The gate `open_round` passes through: a round whose coach was asked waits for them."""
    hold_round(a_round.id)  # a list change or an approval under way finishes first
    share = reviewer_of(a_round)
    if share is None:
        return
    db.session.refresh(share, ["rater_list_approved"])
    if not share.rater_list_approved:
        db.session.rollback()
        raise RoundError(coach_has_not_approved(share.coach_email).explanation)


def awaited_coach(a_round: Round) -> str | None:
    """The coach asked to approve the list who has not yet, for the page that opens a round."""
    share = reviewer_of(a_round)
    return share.coach_email if share is not None and not share.rater_list_approved else None


def leader_changed_list(a_round: Round) -> None:
    """The leader added to the list before opening: their coach has to look again. Caller
    commits."""
    share = reviewer_of(a_round)
    if share is not None and a_round.status == "draft":
        hold_round(a_round.id)  # an approval under way finishes first, and is withdrawn
        share.rater_list_approved = False


def refuse_leader_invitations(a_round: Round) -> None:
    """Once open, a list a coach vouches for grows only through the coach."""
    share = reviewer_of(a_round)
    if share is not None and a_round.status == "open":
        raise RoundError(
            _(
                "Your coach, %(email)s, vouches for this round’s rater list, so new people are "
                "added by them: send them the addresses and groups.",
                email=share.coach_email,
            )
        )


def open_link_changed(link: OpenLink, more_answers: bool) -> None:
    """A new link, or one allowed more answers: in a reviewed round it waits for the coach."""
    if not more_answers:
        return
    a_round = link.round
    if reviewer_of(a_round) is None:
        return
    link.awaiting_coach = True
    leader_changed_list(a_round)


def allows_more(old_cap: int | None, new_cap: int | None) -> bool:
    """Whether a new cap lets a link take answers the approved one did not (None: no cap).
    Pausing and resuming do not: the coach approved the link, paused or not."""
    if old_cap is None:
        return False
    return new_cap is None or new_cap > old_cap


def list_fingerprint(a_round: Round) -> str:
    """A digest of the list as the coach sees it: what they approve must be what is there."""
    digest = hashlib.sha256()
    rows = db.session.execute(
        select(Invitation.id, Invitation.email, Invitation.rater_group)
        .where(Invitation.round_id == a_round.id)
        .order_by(Invitation.id)
    )
    for row in rows:
        digest.update(f"i{row.id}:{row.email}:{row.rater_group}\n".encode())
    links = db.session.execute(
        select(OpenLink.id, OpenLink.rater_group, OpenLink.max_responses)
        .where(OpenLink.round_id == a_round.id)
        .order_by(OpenLink.id)
    )
    for row in links:
        digest.update(f"l{row.id}:{row.rater_group}:{row.max_responses}\n".encode())
    return digest.hexdigest()


def approve(a_round: Round, share: CoachShare, fingerprint: str) -> None:
    """The asked coach approves the list as they saw it (`fingerprint`), open links included."""
    if not share.reviews_rater_list or share.round_id != a_round.id:
        raise RoundError(_("Only the coach asked to approve this rater list can approve it."))
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; its rater list no longer changes."))
    hold_round(a_round.id)
    if fingerprint != list_fingerprint(a_round):
        db.session.rollback()
        raise RoundError(
            _(
                "The list changed while you were looking at it. Here it is as it is now: "
                "check it again, then approve."
            )
        )
    share.rater_list_approved = True
    _set_links_awaiting(a_round.id, False)
    db.session.commit()


def _set_links_awaiting(round_id: int, awaiting: bool) -> None:
    db.session.execute(
        update(OpenLink)
        .where(OpenLink.round_id == round_id)
        .values(awaiting_coach=awaiting)
        .execution_options(synchronize_session="fetch")
    )


def reviewed_round(round_id: int, coach_email: str) -> tuple[Round, CoachShare] | None:
    """The round and the share of the coach asked to vouch for its list; None for anyone
    else, other coaches of the round included: treat as not found."""
    share = db.session.scalar(
        select(CoachShare).where(
            CoachShare.round_id == round_id,
            CoachShare.coach_email == coach_email,
            CoachShare.reviews_rater_list.is_(True),
        )
    )
    return (share.round, share) if share is not None else None
