"""A round from draft to deletion: create, edit, open, self-assessment, schedule, delete."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy import select

from ... import questionnaire
from ... import storage
from ...anonymity import can_change_threshold
from ...anonymity import threshold_raise_refused
from ...extensions import db
from ...i18n import local_questionnaire
from ...models import Round
from ...models import SelfRating
from ...models import User
from ...outbox import enqueue
from . import approval
from .closing import close_round
from .closing import settle_closed_rounds
from .common import RoundError
from .common import hold_round
from .common import today
from .invitations import invitations_beside_open_links
from .progress import pool_small_groups_of
from .reminders import send_reminders


def create_round(leader: User, **fields) -> Round:
    new_round = Round(
        leader=leader,
        questionnaire_version=questionnaire.CURRENT_VERSION,
        status="draft",
        **fields,
    )
    db.session.add(new_round)
    db.session.commit()
    return new_round


def check_settings_editable(a_round: Round) -> None:
    """A follow-up's settings are its round's, so that the two compare (`followup.pulses`)."""
    if a_round.is_pulse:
        raise RoundError(
            _(
                "A follow-up keeps the settings of its round, so that the two compare: its "
                "questions, anonymity threshold and dates cannot change."
            )
        )


def update_round(a_round: Round, **fields) -> None:
    check_settings_editable(a_round)
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; its settings can no longer change."))
    if "max_anonymity" in fields and bool(fields["max_anonymity"]) != a_round.max_anonymity:
        if has_gone_out(a_round):
            raise RoundError(
                _(
                    "Links have gone out, so maximum anonymity can no longer be switched off: "
                    "people were invited under the current setting."
                )
                if a_round.max_anonymity
                else _(
                    "Links have gone out, so maximum anonymity can no longer be switched on: "
                    "people were invited under the current setting."
                )
            )
    new_threshold = fields.get("anonymity_threshold", a_round.anonymity_threshold)
    problem = can_change_threshold(
        a_round.anonymity_threshold, new_threshold, invitations_sent=has_gone_out(a_round)
    )
    if problem:
        raise RoundError(problem)
    if new_threshold != a_round.anonymity_threshold:
        hold_round(a_round.id)
        problem = threshold_raise_refused(
            new_threshold,
            invitations_beside_open_links(a_round),
            local_questionnaire(a_round.questionnaire_version).groups,
        )
        if problem:
            db.session.rollback()  # let go of the round's lock
            raise RoundError(problem)
    for name, value in fields.items():
        setattr(a_round, name, value)
    db.session.commit()


def has_gone_out(a_round: Round) -> bool:
    """True once any link exists: from then on the threshold can only go up, and maximum
    anonymity stays as it is (switching it would mix two ways of recording single use)."""
    return bool(a_round.invitations or a_round.open_links or a_round.status != "draft")


def is_overdue(status: str, closes_on: date | None) -> bool:
    """An open round whose closing date has passed: it is closed at its next use."""
    return status == "open" and closes_on is not None and closes_on < today()


def refresh_status(a_round: Round) -> Round | None:
    """Close an open round whose closing date has passed.

    Returns the round as it is now: another request may have closed it first, or deleted it
    (None), in which case that request's outcome stands.
    """
    round_id = a_round.id
    if is_overdue(a_round.status, a_round.closes_on):
        try:
            close_round(a_round)
        except RoundError:
            return db.session.get(Round, round_id)
    return a_round


def open_round(a_round: Round) -> None:
    """Open the round and queue the invitation emails of everyone invited so far."""
    if a_round.status != "draft":
        raise RoundError(_("Only a draft round can be opened."))
    if a_round.closes_on and a_round.closes_on < today():
        raise RoundError(_("The closing date has passed; choose a later one before opening."))
    approval.refuse_open_unless_approved(a_round)
    a_round.status = "open"
    a_round.opened_on = today()
    pool_small_groups_of(a_round)
    for invitation in a_round.invitations:
        if not invitation.declined:
            enqueue("invitation", invitation.email, a_round.id, invitation.id)
    db.session.commit()


def delete_round(a_round: Round) -> None:
    """Delete the round and everything in it, in any state, for good.

    One statement: the foreign keys' ON DELETE CASCADE removes responses, answers, comments,
    invitations, spent links, open links and their hourly counts, queued mail, coach shares and
    self ratings in the same transaction. On SQLite the WAL is then checkpointed, so no earlier
    version of a deleted page (a comment, the why statement) is left in the files.
    """
    db.session.execute(delete(Round).where(Round.id == a_round.id))
    db.session.commit()
    storage.forget_deleted_pages(db.engine)


def check_self_assessment_open(a_round: Round) -> None:
    if a_round.is_pulse:
        raise RoundError(
            _("A follow-up has no self-assessment: it asks others about your focus only.")
        )
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; the self-assessment can no longer change."))


def save_self_assessment(a_round: Round, values: dict[str, int | None]) -> None:
    check_self_assessment_open(a_round)
    db.session.query(SelfRating).filter_by(round_id=a_round.id).delete()
    db.session.add_all(
        SelfRating(round_id=a_round.id, item_id=item_id, value=value)
        for item_id, value in values.items()
    )
    db.session.commit()


def run_schedule() -> dict[str, int]:
    """What the sender loop does besides sending: open pulses whose day has come, close overdue
    rounds, automatic reminders, and a WAL checkpoint that a reader held back."""
    storage.retry_pending_checkpoint(db.engine)
    settle_closed_rounds()
    open_due_pulses()
    closed = reminded = 0
    for round_id in db.session.scalars(select(Round.id).where(Round.status == "open")).all():
        a_round = db.session.get(Round, round_id)
        if a_round is None:
            continue
        # A leader may close or delete the round meanwhile: their change stands, and the sender
        # goes on with the next round.
        try:
            if is_overdue(a_round.status, a_round.closes_on):
                close_round(a_round)
                closed += 1
                continue
            days = a_round.reminder_days_before_close
            if days and a_round.closes_on and not a_round.auto_reminder_sent:
                if today() >= a_round.closes_on - timedelta(days=days):
                    reminded += send_reminders(a_round).queued
                    a_round.auto_reminder_sent = True
                    db.session.commit()
        except RoundError:
            db.session.rollback()
    return {"closed": closed, "reminders": reminded}


def open_due_pulses() -> int:
    """Open each pulse (followup.pulses) whose first day has come; how many opened. One the
    leader opened, changed or deleted meanwhile stays as they left it."""
    opened = 0
    due = select(Round.id).where(
        Round.kind == "pulse", Round.status == "draft", Round.opens_on <= today()
    )
    for round_id in db.session.scalars(due).all():
        pulse = db.session.get(Round, round_id)
        try:
            if pulse is not None:
                open_round(pulse)
                opened += 1
        except RoundError:
            db.session.rollback()
    return opened


def led_round(round_id: int, leader: User) -> Round | None:
    """The leader's round as it is now (closed if overdue), or None: someone else's round, or
    one deleted meanwhile (from another tab), does not exist for them."""
    a_round = db.session.get(Round, round_id)
    if a_round is None or a_round.leader_id != leader.id:
        return None
    return refresh_status(a_round)


def rounds_led_by(user: User) -> list[Round]:
    return list(
        db.session.scalars(
            select(Round).where(Round.leader_id == user.id).order_by(Round.created_at.desc())
        )
    )
