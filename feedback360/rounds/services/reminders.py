"""Reminders: from which day a round may send them, to whom, and never two emails of a round to
anyone within a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from ...extensions import db
from ...i18n import local_date
from ...models import Invitation
from ...models import OutboxMessage
from ...models import Round
from ...outbox import enqueue
from ...outbox import now as outbox_now
from ...readiness import ReminderTiming
from ...readiness import reminder_timing
from .common import RoundError
from .common import today

# Nobody gets a reminder within this long of their invitation or of their last reminder.
REMINDER_GAP = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderResult:
    queued: int
    too_soon: int


def reminder_timing_of(a_round: Round) -> ReminderTiming | None:
    """From when the round may remind (readiness.reminder_timing), or None: not open, or nobody
    invited by email. It reads when the round opened and when its first invitation was added,
    nothing any respondent does."""
    if a_round.status != "open":
        return None
    first_invited = db.session.scalar(
        select(func.min(Invitation.created_at)).where(Invitation.round_id == a_round.id)
    )
    return reminder_timing(
        a_round.opened_on,
        first_invited.date() if first_invited else None,
        current_app.config["REMIND_AFTER_DAYS"],
        today(),
    )


def send_reminders(a_round: Round) -> ReminderResult:
    """Queue a reminder for each invitee who has not answered and has had no email of this
    round in the last day (neither their invitation nor a reminder).

    Refused before the round's first reminder day (`reminder_timing_of`), for the leader's
    button and for the automatic reminder alike. With maximum anonymity nobody knows who has
    answered, so everyone who has not declined is reminded; the reminder thanks those who
    already did.
    """
    if not _lock_while_open(a_round.id):
        db.session.rollback()
        raise RoundError(_("Reminders can be sent only while the round is open."))
    timing = reminder_timing_of(a_round)
    if timing is not None and not timing.ready:
        db.session.rollback()  # let go of the round's lock
        raise RoundError(timing.why_wait_text(lambda day: local_date(day, "day")))
    moment = outbox_now()
    invited_lately = _invitation_mail_since(a_round.id, moment - REMINDER_GAP)
    queued = too_soon = 0
    for invitation in a_round.invitations:
        if invitation.declined or (invitation.answered and not a_round.max_anonymity):
            continue
        reminded_lately = (
            invitation.last_reminded_at and moment - invitation.last_reminded_at < REMINDER_GAP
        )
        if reminded_lately or invitation.id in invited_lately:
            too_soon += 1
            continue
        invitation.last_reminded_at = moment
        enqueue("reminder", invitation.email, a_round.id, invitation.id)
        queued += 1
    db.session.commit()
    return ReminderResult(queued, too_soon)


def _invitation_mail_since(round_id: int, since: datetime) -> set[int]:
    """The invitations whose invitation email (first or a new link) was queued or sent since
    `since`, or still waits to go: a reminder now would be their second email within a day."""
    return set(
        db.session.scalars(
            select(OutboxMessage.invitation_id).where(
                OutboxMessage.round_id == round_id,
                OutboxMessage.kind == "invitation",
                or_(
                    OutboxMessage.status == "pending",
                    OutboxMessage.created_at >= since,
                    OutboxMessage.sent_at >= since,
                ),
            )
        )
    )


def _lock_while_open(round_id: int) -> bool:
    """Whether the round is open now, holding it so until commit.

    The page's copy of the round may be stale: another request may have closed it since, and
    closing removes every reminder. A no-op UPDATE that only matches an open round takes the
    round's row lock (PostgreSQL) or the write lock (SQLite) first, as `close_round` does, so a
    close waits for these reminders (and then removes them) or comes first and is seen here.
    """
    still_open = db.session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == "open")
        .values(status=Round.status)
        .execution_options(synchronize_session=False)
    )
    return still_open.rowcount == 1
