"""Open links a leader posts for a group: making, capping, pausing, and their bursts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...anonymity import open_link_refused
from ...bursts import Burst
from ...bursts import detect_bursts
from ...extensions import db
from ...i18n import local_date
from ...i18n import local_questionnaire
from ...models import Invitation
from ...models import OpenLink
from ...models import OpenLinkHour
from ...models import Round
from ...tokens import hash_token
from ...tokens import new_nonce
from ...tokens import open_link_token
from . import approval
from .common import RoundError
from .common import hold_round
from .common import invitation_counts


def ensure_open_link(a_round: Round, group: str) -> OpenLink:
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; open links can no longer be created."))
    link = find_open_link(a_round, group)
    if link is None and a_round.is_pulse:  # made with it, for its round's groups (`pulses`)
        raise RoundError(
            _(
                "A follow-up asks the people its round asked, so that the two compare: it has "
                "open links only for the groups its round had them for."
            )
        )
    if link is None:
        hold_round(a_round.id)
        refused = open_link_refused(
            local_questionnaire(a_round.questionnaire_version).group(group),
            invitation_counts(a_round.id, Invitation.rater_group == group).get(group, 0),
            a_round.anonymity_threshold,
        )
        if refused:
            db.session.rollback()  # let go of the round's lock
            raise RoundError(refused)
        link = OpenLink(round=a_round, rater_group=group, nonce="", token_hash="")
        db.session.add(link)
        approval.open_link_changed(link, more_answers=True)
    return link


def rotate_open_link(link: OpenLink, secret_key: str) -> str:
    """Give the link a new token (the old one stops working) and return the new token."""
    link.nonce = new_nonce()
    token = open_link_token(secret_key, link.nonce)
    link.token_hash = hash_token(token)
    db.session.commit()
    return token


def check_replaceable(a_round: Round) -> None:
    """Refuse to replace an open link of a closed round: its links take no answers anyway."""
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; its open links can no longer be replaced."))


def replace_open_link(link: OpenLink, secret_key: str) -> str:
    """A new token for a link that may already be posted: the old one stops working."""
    check_replaceable(link.round)
    return rotate_open_link(link, secret_key)


def find_open_link(a_round: Round, group: str) -> OpenLink | None:
    return next((link for link in a_round.open_links if link.rater_group == group), None)


def set_open_link_settings(link: OpenLink, max_responses: int | None, paused: bool) -> None:
    """Cap the link's answers (None: no cap) and pause or resume it.

    A cap at or below the answers already in stops the link; answers already saved stay. A
    higher cap, or none, in a round whose coach vouches for the list waits for the coach.
    """
    if link.round.status == "closed":
        raise RoundError(_("This round is closed; its open links no longer take answers anyway."))
    approval.open_link_changed(link, approval.allows_more(link.max_responses, max_responses))
    link.max_responses = max_responses
    link.paused = paused
    db.session.commit()


def open_link_bursts(a_round: Round) -> list[tuple[OpenLink, Burst]]:
    """Hours in which one open link took a suspicious share of its answers (see bursts.py)."""
    links = {link.id: link for link in a_round.open_links}
    if not links:
        return []
    hours: dict[int, list[tuple]] = {link_id: [] for link_id in links}
    for link_id, hour, answers in db.session.execute(
        select(OpenLinkHour.open_link_id, OpenLinkHour.hour, OpenLinkHour.answers).where(
            OpenLinkHour.open_link_id.in_(links)
        )
    ):
        hours[link_id].append((hour, answers))
    q = local_questionnaire(a_round.questionnaire_version)
    return [
        (links[link_id], burst)
        for link_id in q.in_group_order(links, lambda i: links[i].rater_group)
        for burst in detect_bursts(hours[link_id], links[link_id].responses)
    ]


def open_link_cautions(a_round: Round) -> list[str]:
    """The burst warnings as sentences for the round and results pages."""
    q = local_questionnaire(a_round.questionnaire_version)
    return [
        burst.caution(q.group(link.rater_group).in_sentence, lambda day: local_date(day, "day"))
        for link, burst in open_link_bursts(a_round)
    ]
