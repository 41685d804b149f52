"""The outbox: mail is queued with the change that caused it and sent later by `send-mail`.

Several senders may run at once. Each claims a batch by setting a short lease (`claimed_until`);
on PostgreSQL the claim reads with FOR UPDATE SKIP LOCKED, so two senders never wait on or take
the same rows; SQLite allows one writer at a time, which serialises the claims. A message whose
delivery fails is retried with growing delays and keeps its last error; none is lost.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .mail import Declined
from .mail import DeclinedQuietly
from .mail import Undeliverable
from .mail import compose
from .models import OutboxMessage

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling up to an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def enqueue(
    kind: str,
    to_address: str,
    round_id: int | None = None,
    invitation_id: int | None = None,
    user_id: int | None = None,
    language: str | None = None,
) -> None:
    """Add a message to the current transaction; the caller commits it with its own change.
    `language` only for account mail (models.OutboxMessage.language)."""
    db.session.add(
        OutboxMessage(
            kind=kind,
            to_address=to_address,
            round_id=round_id,
            invitation_id=invitation_id,
            user_id=user_id,
            language=language,
        )
    )


@dataclass(frozen=True)
class Claim:
    """The messages one sender leased, and until when: a row whose lease has changed since was
    claimed again by another sender after this lease ran out, and is that sender's now."""

    ids: list[int]
    until: datetime


def claim_batch(limit: int) -> Claim:
    """Lease up to `limit` due messages to this sender.

    The UPDATE re-checks that each row is still unclaimed, so even two senders that picked the
    same candidates cannot both win a row: the database answers with the rows this one leased.
    """
    moment = now()
    unclaimed = (
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= moment,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < moment),
    )
    candidates = select(OutboxMessage.id).where(*unclaimed).order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    until = moment + LEASE
    if not ids:
        db.session.commit()
        return Claim([], until)
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), *unclaimed)
        .values(claimed_until=until)
        .returning(OutboxMessage.id)
    ).all()
    db.session.commit()
    return Claim(sorted(claimed), until)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    withheld: int = 0
    # Failed mail other than reminders: what the sender may print. A reminder goes only to
    # someone who has not answered, so any count that includes reminders counts those people.
    failed_not_reminders: int = 0


TRANSIENT = (smtplib.SMTPException, OSError)


def send_pending(transport, limit: int = 100) -> SendReport:
    """Deliver one batch. Connection trouble leaves every message of the batch pending.

    Just before each message goes, its lease is renewed in the database, and only if it still
    waits under this sender's lease: a message can vanish while the batch is on its way, with its
    round (deleted) or with its reminders (the round closed), or be taken over by another sender
    once a slow batch outlived its lease. Such a message is skipped. The renewed lease covers the
    one delivery, which the SMTP timeout keeps far shorter.
    """
    report = SendReport()
    claim = claim_batch(limit)
    if not claim.ids:
        return report
    leases = dict.fromkeys(claim.ids, claim.until)
    try:
        with transport as connection:
            for message_id in claim.ids:
                message = _renew_lease(message_id, leases)
                if message is not None:
                    _deliver(connection, message, report)
    except TRANSIENT as error:
        for message_id in claim.ids:
            message = _still_ours(message_id, leases[message_id])
            if message is not None:
                _retry_later(message, f"{type(error).__name__}: {error}", report)
                _commit_unless_gone()
    return report


def _renew_lease(message_id: int, leases: dict[int, datetime]) -> OutboxMessage | None:
    """The message, leased anew to this sender, or None if it no longer waits under its lease."""
    until = now() + LEASE
    renewed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.claimed_until == leases[message_id],
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if renewed != 1:
        return None
    leases[message_id] = until
    return _still_ours(message_id, until)


def _still_ours(message_id: int, lease: datetime) -> OutboxMessage | None:
    """The message as it is now, if it still waits under this lease: not deleted (with its round
    or account), not sent, and not claimed by another sender after the lease ran out."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != "pending" or message.claimed_until != lease:
        return None
    return message


def _commit_unless_gone() -> None:
    """Commit one message's record, unless another request deleted its rows meanwhile: a message
    deleted with its round or account needs no record."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()


def _deliver(connection, message: OutboxMessage, report: SendReport) -> None:
    try:
        email = compose(message)
    except DeclinedQuietly:
        # Not sent, yet recorded as sent (see DeclinedQuietly): the operator's count says withheld.
        _mark_sent(message)
        report.withheld += 1
        _commit_unless_gone()
        return
    except Declined:
        message.status, message.claimed_until = "withheld", None
        report.withheld += 1
        _commit_unless_gone()
        return
    except (Undeliverable, ValueError) as reason:
        _give_up(message, str(reason), report)
        _commit_unless_gone()
        return
    try:
        connection.send(email)
    except smtplib.SMTPRecipientsRefused as error:
        message.attempts += 1
        _give_up(message, str(error), report)
    except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError):
        raise  # the connection is gone: the whole rest of the batch waits for the next try
    except TRANSIENT as error:
        _retry_later(message, f"{type(error).__name__}: {error}", report)
    else:
        _mark_sent(message)
        report.sent += 1
    _commit_unless_gone()


def _mark_sent(message: OutboxMessage) -> None:
    message.status, message.sent_at, message.claimed_until = "sent", now(), None
    message.attempts += 1
    message.last_error = None
    if message.invitation is not None and message.kind == "invitation":
        message.invitation.emailed = True


def _give_up(message: OutboxMessage, error: str, report: SendReport) -> None:
    """The message will not be sent; its last error stays for the leader to read."""
    message.status, message.last_error, message.claimed_until = "failed", error[:1000], None
    report.failed += 1
    if message.kind != "reminder":
        report.failed_not_reminders += 1


def _retry_later(message: OutboxMessage, error: str, report: SendReport) -> None:
    message.attempts += 1
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(message, error, report)
        return
    message.last_error = error[:1000]
    message.claimed_until = None
    message.next_attempt_at = now() + retry_delay(message.attempts)
    report.retrying += 1
