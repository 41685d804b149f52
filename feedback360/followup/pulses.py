"""Making a follow-up pulse from a closed round and its plan, and opening it on its day.

A pulse is a round of its own (`Round.kind` "pulse", `parent_round_id` its original), so every
anonymity rule, threshold, link, count, close, deletion and export path of a round applies to it
unchanged. What it takes from its original: the leader, the questionnaire version (its statements
keep their ids, so the figures compare), the threshold (its own from then on, and like any
round's it can only go up), maximum anonymity, the groups counted together, the people asked
(new invitations with fresh links: the old ones cannot answer twice, and nothing joins the two)
and a new open link for each group that had one. The focus targets are copied from the plan
(`PulseTarget`): the plan stays editable, the questions asked do not.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import questionnaire
from ..extensions import db
from ..keys import secret_keys
from ..models import Invitation
from ..models import OpenLink
from ..models import PulseTarget
from ..models import Round
from ..models import User
from ..pulse import pulse_survey
from ..rounds.services.closing import results_ready
from ..rounds.services.common import RoundError
from ..rounds.services.common import today
from ..rounds.services.lifecycle import open_round
from ..survey.services import resolve
from ..tokens import hash_token
from ..tokens import invitation_token
from ..tokens import issued_token
from ..tokens import new_nonce
from ..tokens import open_link_token
from .access import check_full_round
from .access import check_leader
from .plans import plan_of

EARLIEST_WEEKS, SUGGESTED_WEEKS, LATEST_WEEKS = 6, 8, 12
SUGGESTED_OPEN_DAYS = 14


class PulseExists(RoundError):
    """A round has one pulse; a second click, or another tab, finds it made."""


def suggested_dates(a_round: Round) -> tuple[date, date, date, date]:
    """(earliest, suggested, latest) first day, six, eight and twelve weeks after the close
    (never before today), and the suggested closing day, two weeks after the suggested start."""
    start = a_round.closed_on or today()
    earliest, suggested, latest = (
        max(start + timedelta(weeks=weeks), today() + timedelta(days=1))
        for weeks in (EARLIEST_WEEKS, SUGGESTED_WEEKS, LATEST_WEEKS)
    )
    return earliest, suggested, latest, suggested + timedelta(days=SUGGESTED_OPEN_DAYS)


def check_pulse_possible(a_round: Round) -> None:
    check_full_round(a_round, "follow-up")
    if a_round.status != "closed":
        raise RoundError(_("A follow-up asks about the plan you make once the round has closed."))
    if not results_ready(a_round):
        raise RoundError(_("The results are being prepared; try again in a minute."))
    if a_round.pulse is not None:
        raise PulseExists(_("This round has its follow-up already."))
    if not plan_of(a_round):
        raise RoundError(_("Choose what to focus on first: the follow-up asks about your plan."))


def check_pulse_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is None or closes_on is None:
        raise RoundError(_("Choose the day the follow-up opens and the day it closes."))
    if opens_on < today():
        raise RoundError(_("The follow-up cannot open in the past; choose today or a later day."))
    if closes_on <= opens_on:
        raise RoundError(_("The follow-up must close after the day it opens."))


def create_pulse(original: Round, user: User, opens_on: date, closes_on: date) -> Round:
    """Make the original round's pulse (see the module docstring); it opens at once when
    `opens_on` is today, else on that day (`open_due_pulses`). PulseExists if it was made."""
    check_leader(original, user)
    check_pulse_possible(original)
    check_pulse_dates(opens_on, closes_on)
    targets = [entry.target_id for entry in plan_of(original)]
    try:
        pulse_survey(questionnaire.load(original.questionnaire_version), targets)
    except ValueError as error:  # the plan was checked when saved: a stale or broken plan
        raise RoundError(f"The plan cannot be asked as a follow-up: {error}") from None
    pulse = Round(
        kind="pulse",
        parent_round_id=original.id,
        leader_id=original.leader_id,
        title=f"Follow-up: {original.title}",
        why=original.why,
        success_measures="",
        platforms=[],
        questionnaire_version=original.questionnaire_version,
        anonymity_threshold=original.anonymity_threshold,
        max_anonymity=original.max_anonymity,
        pooled_groups=list(original.pooled_groups or ()),
        status="draft",
        opens_on=opens_on,
        closes_on=closes_on,
        reminder_days_before_close=original.reminder_days_before_close,
    )
    db.session.add(pulse)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PulseExists(_("This round has its follow-up already.")) from None
    db.session.add_all(
        PulseTarget(round_id=pulse.id, position=position, target_id=target_id)
        for position, target_id in enumerate(targets, start=1)
    )
    _invite_again(original, pulse)
    _new_open_links(original, pulse)
    if opens_on <= today():
        open_round(pulse)  # commits; queues the invitation mail
    else:
        db.session.commit()
    return pulse


def _invite_again(original: Round, pulse: Round) -> None:
    """Everyone the original asked, with a fresh link each, in the order they were invited.

    Whoever declined is invited too (their mail is withheld, `declines`), so the pulse's list
    and counts are the original's and say nothing about who declined."""
    secret_key = current_app.config["SECRET_KEY"]
    people = db.session.execute(
        select(Invitation.email, Invitation.rater_group)
        .where(Invitation.round_id == original.id)
        .order_by(Invitation.id)
    ).all()
    for email, group in people:
        nonce = new_nonce()
        db.session.add(
            Invitation(
                round_id=pulse.id,
                email=email,
                rater_group=group,
                nonce=nonce,
                token_hash=hash_token(invitation_token(secret_key, nonce)),
            )
        )


def _new_open_links(original: Round, pulse: Round) -> None:
    """A new open link for each group whose link the original made, with the same cap."""
    secret_key = current_app.config["SECRET_KEY"]
    for link in original.open_links:
        if not link.nonce:
            continue
        nonce = new_nonce()
        db.session.add(
            OpenLink(
                round_id=pulse.id,
                rater_group=link.rater_group,
                nonce=nonce,
                token_hash=hash_token(open_link_token(secret_key, nonce)),
                max_responses=link.max_responses,
            )
        )


def pulse_of(original: Round) -> Round | None:
    return original.pulse


def open_pulse_link_for(token: str) -> str | None:
    """For the page at a closed round's old open link: the token of its pulse's open link for
    the same group while the pulse is open, else None. Both links are public already."""
    link = resolve(token)
    if link is None or link.open_link_id is None or link.round_status != "closed":
        return None
    pulse = db.session.scalar(select(Round).where(Round.parent_round_id == link.round_id))
    if pulse is None or pulse.status != "open":
        return None
    new_link = next((o for o in pulse.open_links if o.rater_group == link.group), None)
    if new_link is None or not new_link.nonce:
        return None
    issued = issued_token(secret_keys(), "open-link", new_link.nonce, new_link.token_hash)
    return issued or open_link_token(current_app.config["SECRET_KEY"], new_link.nonce)
