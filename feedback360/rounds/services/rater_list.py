"""What the coach who vouches for a round's rater list changes in it (rounds.services.approval):
they add people (before and while the round runs) and remove them (before it opens).

The coach's own changes do not withdraw their approval: they vouch for what they did.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ...extensions import db
from ...invitation_list import Invitee
from ...invitation_list import LineError
from ...models import CoachShare
from ...models import Invitation
from ...models import Round
from .common import RoundError
from .common import hold_round
from .invitations import create_invitations
from .invitations import forbidden_invitees


def _refuse_unless_reviewer(a_round: Round, share: CoachShare) -> None:
    if not share.reviews_rater_list or share.round_id != a_round.id:
        raise RoundError(_("Only the coach asked to approve this rater list can change it."))


def coach_adds(
    a_round: Round, share: CoachShare, text: str
) -> tuple[list[Invitee], list[LineError]]:
    """Invite the good lines (mailed at once if the round is open). The coach never gets the
    links: a coach cannot answer anonymously, and a link would show whether it was used."""
    _refuse_unless_reviewer(a_round, share)
    created, errors = create_invitations(a_round, text, forbidden_invitees(a_round, by_coach=True))
    db.session.commit()
    return [invitee for invitee, _token in created], errors


def coach_removes(a_round: Round, share: CoachShare, invitation_id: int) -> str:
    """Take someone off the list before the round opens; returns their address.

    Once the round is open their invitation may have gone out (and been answered): it stays."""
    _refuse_unless_reviewer(a_round, share)
    if a_round.status != "draft":
        raise RoundError(
            _("Invitations have gone out, so nobody can be taken off the list any more.")
        )
    hold_round(a_round.id)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.round_id != a_round.id:
        db.session.rollback()
        raise RoundError(_("That person is not on this list (any more)."))
    email = invitation.email
    db.session.delete(invitation)
    db.session.commit()
    return email
