"""A word back to the raters: one message, once per round, to everyone it asked.

The rules are in `word_back` (pure): the draft uses the report's summary and the plan only,
never a comment. Here it is sent: one mail per invitation of the round, answered or not (so it
reveals nobody), through the outbox, which withholds it from whoever declined (`declines`: a
closed round keeps declines as keyed digests only); and kept, so the round's old links show it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import questionnaire
from ..analysis import Analysis
from ..extensions import db
from ..models import Invitation
from ..models import Round
from ..models import User
from ..models import WordBack
from ..outbox import enqueue
from ..rounds.services.closing import results_ready
from ..rounds.services.common import RoundError
from ..rounds.services.common import today
from ..survey.services import resolve
from ..word_back import check_word_back
from ..word_back import draft_word_back
from .access import check_full_round
from .access import check_leader
from .plans import plan_of


class WordBackAlreadySent(RoundError):
    """A round has one word back; a second click, or another tab, finds it sent."""


def word_back_of(a_round: Round) -> WordBack | None:
    """The round's word back once sent (its text and UTC date), else None."""
    return db.session.get(WordBack, a_round.id)


def check_word_back_open(a_round: Round) -> None:
    check_full_round(a_round, "word back")
    if a_round.status != "closed":
        raise RoundError(
            _("A word back is sent once the round has closed and you have its results.")
        )
    if not results_ready(a_round):
        raise RoundError(_("The results are being prepared; try again in a minute."))
    if word_back_of(a_round) is not None:
        raise WordBackAlreadySent(_("Your word back for this round has been sent; it goes once."))


def word_back_draft(
    a_round: Round, analysis: Analysis, q: questionnaire.Questionnaire, pulse_planned=None
) -> str:
    """The draft the leader edits (`word_back.draft_word_back`): the report's summary and the
    plan. It mentions the follow-up when one is made (or `pulse_planned` says so)."""
    planned = a_round.pulse is not None if pulse_planned is None else pulse_planned
    return draft_word_back(q, analysis, plan_of(a_round), pulse_planned=planned)


def invitee_count(a_round: Round) -> int:
    """Everyone the round asked by mail: whom the word back goes to, declines aside (their mail
    is withheld, and counted as sent, so the number says nothing about who declined)."""
    return len(_invitation_ids(a_round))


def send_word_back(a_round: Round, user: User, text: str | None) -> list[str]:
    """Send the leader's message to every invitee of the round; return what is wrong with the
    text instead (nothing is sent then). WordBackAlreadySent if it went before, even from a
    request racing this one: the round id is the word back's key."""
    check_leader(a_round, user)
    check_word_back_open(a_round)
    cleaned, errors = check_word_back(text)
    if errors:
        return errors
    db.session.add(WordBack(round_id=a_round.id, text=cleaned, sent_on=today()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise WordBackAlreadySent(
            _("Your word back for this round has been sent; it goes once.")
        ) from None
    emails = dict(
        db.session.execute(
            select(Invitation.id, Invitation.email).where(Invitation.round_id == a_round.id)
        ).all()
    )
    for invitation_id in sorted(emails):  # in the order they were invited
        enqueue("word_back", emails[invitation_id], a_round.id, invitation_id)
    db.session.commit()
    return []


def _invitation_ids(a_round: Round) -> list[int]:
    return list(db.session.scalars(select(Invitation.id).where(Invitation.round_id == a_round.id)))


def word_back_for_open_link(token: str) -> str | None:
    """The word back the page at a closed round's old link shows, or None (no such link, the
    round is not closed, or no word back was sent). A pulse's links show its round's."""
    link = resolve(token)
    if link is None or link.round_status != "closed":
        return None
    a_round = db.session.get(Round, link.round_id)
    if a_round is None:
        return None
    word_back = db.session.get(WordBack, a_round.original_id)
    return word_back.text if word_back is not None else None
