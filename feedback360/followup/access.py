"""Who may do what after a round: the leader writes; the round's coach reads.

The issue has the leader pick the focus "with their coach, if shared": the coach is in the
conversation, the plan is the leader's. So every write here is the leader's alone, and a coach
of the round (or, for a pulse, of its original round) may read what the leader wrote.
"""

from __future__ import annotations

from ..models import Round
from ..models import User
from ..rounds.services.common import RoundError
from ..rounds.services.sharing import round_visible_to

LEADER = "leader"
COACH = "coach"


class NotAllowed(RoundError):
    """The user may not do this with the round: a view answers as for any round they cannot
    see, or with this message where they can see it (a coach trying to write)."""


def check_leader(a_round: Round, user: User) -> None:
    if a_round.leader_id != user.id:
        raise NotAllowed("Only the round's leader can change this; their coach can read it.")


def role_of(a_round: Round, user: User) -> str:
    """'leader' or 'coach'; NotAllowed for anyone else."""
    visible = round_visible_to(a_round.id, user)
    if visible is None:
        raise NotAllowed("This round is not shared with you.")
    return visible[1]


def check_full_round(a_round: Round, what: str) -> None:
    if a_round.is_pulse:
        raise RoundError(f"A follow-up has no {what} of its own; its round has.")
