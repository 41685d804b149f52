"""Database tables.

Anonymity is designed into the schema: `Response`, `Answer` and `Comment` carry no foreign key,
column or ordering that ties them to an `Invitation`, a person, an IP address or a time. Response
and comment ids are random UUIDv4 strings. An invitation only learns that it was answered, and in
a round with `max_anonymity` not even that: single use is kept in `SpentToken`, under a digest that
only the server's secret key can match to an invitation.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from .extensions import db
from .keys import secret_keys
from .tokens import fingerprint_matches
from .tokens import session_fingerprint

GROUP_IDS = ("follower", "colleague", "staff", "other")
ROUND_STATUSES = ("draft", "open", "closed")
# A full round asks the whole questionnaire; a pulse, its original round's focus targets only.
ROUND_KINDS = ("full", "pulse")
MAX_COMMENT_LENGTH = 2000

_groups_sql = ", ".join(f"'{g}'" for g in GROUP_IDS)
_statuses_sql = ", ".join(f"'{s}'" for s in ROUND_STATUSES)
_round_kinds_sql = ", ".join(f"'{k}'" for k in ROUND_KINDS)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _uuid4() -> str:
    return str(uuid.uuid4())


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    # The interface language they picked (locales.SUPPORTED_LOCALES): their pages, their mail and
    # their copy of the PDF. NULL: their browser's for pages, English for mail and the PDF.
    language: Mapped[str | None] = mapped_column(String(8))

    rounds: Mapped[list[Round]] = relationship(
        back_populates="leader", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol, spelled out instead of inheriting UserMixin's magic.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session remembers: the id and a fingerprint of the current password, so a
        new password (a reset, say) logs out every other session. See `load_user`."""
        fingerprint = session_fingerprint(current_app.config["SECRET_KEY"], self.password_hash)
        return f"{self.id}:{fingerprint}"


def load_user(session_id: str) -> User | None:
    """The user a session belongs to, or None once their password has changed since."""
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None:
        return None
    fresh = fingerprint_matches(secret_keys(), session_fingerprint, user.password_hash, fingerprint)
    return user if fresh else None


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("anonymity_threshold >= 3", name="threshold_at_least_3"),
        CheckConstraint(f"status IN ({_statuses_sql})", name="known_status"),
        CheckConstraint(f"kind IN ({_round_kinds_sql})", name="known_round_kind"),
        # A pulse, and only a pulse, follows an original round, and has dates to run between.
        CheckConstraint(
            "(kind = 'pulse') = (parent_round_id IS NOT NULL)", name="pulse_has_original"
        ),
        CheckConstraint(
            "kind = 'full' OR (opens_on IS NOT NULL AND closes_on IS NOT NULL)",
            name="pulse_has_dates",
        ),
        CheckConstraint(
            "opens_on IS NULL OR closes_on IS NULL OR opens_on < closes_on",
            name="opens_before_it_closes",
        ),
        UniqueConstraint("parent_round_id", name="one_pulse_per_round"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text, default="")
    success_measures: Mapped[str] = mapped_column(Text, default="")
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    anonymity_threshold: Mapped[int] = mapped_column(SmallInteger, default=3)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    closes_on: Mapped[date | None] = mapped_column(Date)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    reminder_days_before_close: Mapped[int | None] = mapped_column(SmallInteger)
    auto_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Nobody records which invitation was answered (see SpentToken); fixed once links go out.
    max_anonymity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    # Groups the leader's page counts only together (anonymity.pool_small_groups); they stay so.
    pooled_groups: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # At close the invitations forget who answered and declined; the page's lines are kept here
    # (anonymity.progress_to_stored), with the count of invitation mail sent.
    progress_at_close: Mapped[dict | None] = mapped_column(JSON)
    # False from close until a WAL checkpoint has taken the submits out of the SQLite files:
    # until then results, PDF and export wait (rounds.services.closing.settle_closed_rounds).
    results_ready: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The invitations' and reminders' language unless a line sets its own, and the survey's when
    # the respondent's browser asks for none feedback360 speaks (language_choice).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # "pulse": a follow-up of `parent_round_id` (followup.pulses), a round of its own in every
    # other respect, so each anonymity rule, link, closing and deletion path applies to it as is.
    # One pulse per original round (unique); it goes with its original (ON DELETE CASCADE).
    kind: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    parent_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE", name="pulse_original")
    )
    # A pulse's first day (UTC date): the sender's schedule opens it then.
    opens_on: Mapped[date | None] = mapped_column(Date)

    leader: Mapped[User] = relationship(back_populates="rounds")
    parent_round: Mapped[Round | None] = relationship(
        remote_side="Round.id", back_populates="pulse"
    )
    pulse: Mapped[Round | None] = relationship(
        back_populates="parent_round", passive_deletes=True, uselist=False
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True
    )
    open_links: Mapped[list[OpenLink]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True
    )
    self_ratings: Mapped[list[SelfRating]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    shares: Mapped[list[CoachShare]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_pulse(self) -> bool:
        return self.kind == "pulse"

    @property
    def original_id(self) -> int:
        """The round a pulse follows up; a full round is its own original."""
        return self.parent_round_id if self.parent_round_id is not None else self.id


class SelfRating(db.Model):
    """The leader's own answer to an item; shown as "Self". Not anonymous, by design."""

    __tablename__ = "self_ratings"
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 10", name="self_rating_range"),)

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)


class Invitation(db.Model):
    """A single-use link sent to one person. Only the token's hash is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("round_id", "email", name="one_invitation_per_email"),
        CheckConstraint(f"rater_group IN ({_groups_sql})", name="invitation_known_group"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    rater_group: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token is derived from the secret key and this nonce, so reminders can repeat the link.
    nonce: Mapped[str | None] = mapped_column(String(64))
    # Only "answered", never when: a time could be lined up with a response. Always False in a
    # round with max_anonymity, whose answered links are kept apart in SpentToken. Both flags are
    # set back to False when the round closes: the counts live on in Round.progress_at_close.
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    # This person's mail and survey language, set by the leader's line; NULL: the round's.
    # The language an answer was given in is never stored (not on Response, nor here).
    language: Mapped[str | None] = mapped_column(String(8))

    round: Mapped[Round] = relationship(back_populates="invitations")


class SpentToken(db.Model):
    """An invitation link of a `max_anonymity` round that has been used, and nothing else.

    `digest` is `tokens.spent_digest`, an HMAC under the server's secret key, never the plain
    SHA-256 that `Invitation.token_hash` holds, so a copy of the database cannot tell which
    invitation a row belongs to. No time, no invitation id: the unique digest is what keeps the
    link to one answer. The rows go when the round closes (no more answers) or is deleted.
    """

    __tablename__ = "spent_tokens"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class OpenLink(db.Model):
    """A reusable link per group that a leader can post publicly (e.g. for followers).

    The token is derived from the app's secret key and `nonce`, so the leader can see the link
    again while the database holds only its hash. Changing the nonce rotates the link.
    """

    __tablename__ = "open_links"
    __table_args__ = (
        UniqueConstraint("round_id", "rater_group", name="one_open_link_per_group"),
        CheckConstraint(f"rater_group IN ({_groups_sql})", name="open_link_known_group"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    rater_group: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    max_responses: Mapped[int | None] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    # In a round whose coach vouches for the rater list (CoachShare.reviews_rater_list): a link
    # the leader made, or let take more answers, since the coach last approved. It takes no
    # answers until the coach approves it (rounds.services.approval).
    awaiting_coach: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    round: Mapped[Round] = relationship(back_populates="open_links")


class OpenLinkHour(db.Model):
    """How many answers an open link took in one clock hour: enough to flag a burst of
    ballot-stuffing, with no row that points at any response."""

    __tablename__ = "open_link_hours"

    open_link_id: Mapped[int] = mapped_column(
        ForeignKey("open_links.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)


class Response(db.Model):
    """One respondent's answers: a group and nothing else that could identify them."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"rater_group IN ({_groups_sql})", name="response_known_group"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid4)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    rater_group: Mapped[str] = mapped_column(String(20))
    # Where the respondent sees the leader's posts: platform ids, comma-separated and sorted.
    platforms: Mapped[str] = mapped_column(String(200), default="", server_default="")

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    comments: Mapped[list[Comment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(db.Model):
    """A rating of one item; NULL value means "not observed"."""

    __tablename__ = "answers"
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 10", name="answer_range"),)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)


class Comment(db.Model):
    """Free text for a dimension or an open question, with its own random id."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("response_id", "key", name="one_comment_per_key"),
        CheckConstraint(f"length(text) <= {MAX_COMMENT_LENGTH}", name="comment_length"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid4)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


MAX_DEBRIEF_NOTE_LENGTH = 3000


class CoachShare(db.Model):
    """A round shared with a coach by email; the coach sees it once logged in with that email.

    One coach of a round may be asked to vouch for its rater list (`reviews_rater_list`): the
    round then opens only once that coach has approved the list (`rater_list_approved`), and
    the report says so (rounds.services.approval).
    """

    __tablename__ = "coach_shares"
    __table_args__ = (
        UniqueConstraint("round_id", "coach_email", name="one_share_per_coach"),
        CheckConstraint(
            f"length(debrief_note) <= {MAX_DEBRIEF_NOTE_LENGTH}", name="debrief_note_length"
        ),
        CheckConstraint(
            "NOT rater_list_approved OR reviews_rater_list", name="approved_only_when_asked"
        ),
        Index(
            "one_rater_list_reviewer_per_round",
            "round_id",
            unique=True,
            sqlite_where=text("reviews_rater_list"),
            postgresql_where=text("reviews_rater_list"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    coach_email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    # The coach's own notes for the debrief; printed in the PDF the coach downloads, and in the
    # leader's results and PDF once the coach shares it (`note_shared`).
    debrief_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    note_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reviews_rater_list: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rater_list_approved: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    round: Mapped[Round] = relationship(back_populates="shares")


class ReportFile(db.Model):
    """One reader's copy of a round's PDF report, built by the sender (`reports.stored`), so a
    download only serves bytes.

    A copy per reader: the leader's (no share) and each coach's, which prints that coach's note.
    While wanted, `pdf` and `content_key` are NULL; once built, `content_key` is a digest of what
    the copy was built from (`reports.stored.content_key`), and a download serves it only while
    that is still what the report would show. Each copy goes with its round, with its coach's
    share, and with the earlier round whose figures its trend prints (`earlier_round_id`). It holds
    exactly the PDF a download would have rendered, and no time: the row's id only orders what is
    wanted.
    """

    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("round_id", "reader", name="one_report_file_per_reader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    # "leader", or "coach-<share id>" (reports.wanted.reader_of): unique per round even where
    # coach_share_id is NULL, which a unique constraint on that column would not be.
    reader: Mapped[str] = mapped_column(String(24))
    coach_share_id: Mapped[int | None] = mapped_column(
        ForeignKey("coach_shares.id", ondelete="CASCADE"), index=True
    )
    earlier_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    content_key: Mapped[str | None] = mapped_column(String(64))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)


# "round_closed" and "list_review" go to a coach: a shared round has closed, or its leader asks
# them to approve the rater list.
# "word_back": the leader's message after a round, to everyone it asked (followup.word_backs).
ROUND_MAIL_KINDS = (
    "invitation",
    "reminder",
    "coach_share",
    "round_closed",
    "list_review",
    "word_back",
)
# About an account, not a round: each request gets one of a pair, so the mail queued (and the time
# taken) is the same whether or not an account exists for the address.
ACCOUNT_MAIL_KINDS = ("password_reset", "reset_no_account", "signup", "signup_taken")
MAIL_KINDS = ROUND_MAIL_KINDS + ACCOUNT_MAIL_KINDS
# "withheld": queued, then not sent because its invitee had declined all mail of the round. The
# leader's page counts it with the sent mail, so it cannot tell who declined.
MAIL_STATUSES = ("pending", "sent", "failed", "withheld")
_kinds_sql = ", ".join(f"'{k}'" for k in MAIL_KINDS)
_mail_statuses_sql = ", ".join(f"'{s}'" for s in MAIL_STATUSES)


class OutboxMessage(db.Model):
    """An email waiting to be sent, queued in the same transaction as what caused it.

    It holds references, not the text: the message (with its link) is rendered at delivery, so
    no working survey, password-reset or sign-up link rests in the database. Round mail points at
    its round; account mail has no round, and points at the user when there is one.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_kinds_sql})", name="known_mail_kind"),
        CheckConstraint(f"status IN ({_mail_statuses_sql})", name="known_mail_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(254))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Account mail to an address without an account (sign-up, reset_no_account): the language of
    # the page that asked for it. NULL for every other mail, whose language is its reader's.
    language: Mapped[str | None] = mapped_column(String(8))

    round: Mapped[Round | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    user: Mapped[User | None] = relationship()


# --- After a round: forecast, plan, word back, pulse (issue 18; services in `followup`) --------

FOCUS_ACTION_MAX = 600  # focus.ACTION_MAX, MEASURE_MAX and word_back.WORD_BACK_MAX, kept in
FOCUS_MEASURE_MAX = 400  # the database too (tests/test_followup_models.py checks they agree)
WORD_BACK_MAX = 4000


class Forecast(db.Model):
    """The leader's forecast of one group's mean on one dimension, made while the round ran.

    Not anonymous, by design: it is the leader's own. Stored in tenths (35 = 3.5): the form takes
    one decimal at most (`forecast.parse_forecast`), and a whole number compares exactly.
    """

    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint("tenths BETWEEN 10 AND 100", name="forecast_range"),
        CheckConstraint(f"rater_group IN ({_groups_sql})", name="forecast_known_group"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    rater_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    dimension_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenths: Mapped[int] = mapped_column(SmallInteger)


class FocusPlanEntry(db.Model):
    """One of the one to three things the leader will work on after a round (`focus`).

    The target is a statement or dimension id of the round's questionnaire; the platform is one
    of its platform ids or "any". The leader writes it, their coach reads it.
    """

    __tablename__ = "focus_plan_entries"
    __table_args__ = (
        CheckConstraint("position BETWEEN 1 AND 3", name="focus_position_range"),
        UniqueConstraint("round_id", "target_id", name="one_entry_per_target"),
        CheckConstraint(
            f"length(action) BETWEEN 1 AND {FOCUS_ACTION_MAX}", name="focus_action_length"
        ),
        CheckConstraint(
            f"length(measure) BETWEEN 1 AND {FOCUS_MEASURE_MAX}", name="focus_measure_length"
        ),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    target_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(Text)


class WordBack(db.Model):
    """The leader's message to everyone a round asked, sent once (the round id is the key).

    Only the UTC date it was sent: a time of day adds nothing a reader needs. Its mail goes
    through the outbox, one per invitation; its open links show it at their old address.
    """

    __tablename__ = "word_backs"
    __table_args__ = (
        CheckConstraint(f"length(text) BETWEEN 1 AND {WORD_BACK_MAX}", name="word_back_length"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    sent_on: Mapped[date] = mapped_column(Date)


class PulseTarget(db.Model):
    """A focus target a pulse asks about, copied from the plan when the pulse was made: the plan
    stays editable, the pulse's questions do not."""

    __tablename__ = "pulse_targets"
    __table_args__ = (
        CheckConstraint("position BETWEEN 1 AND 3", name="pulse_target_position_range"),
        UniqueConstraint("round_id", "target_id", name="one_pulse_target_per_id"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    target_id: Mapped[str] = mapped_column(String(40))


class MailDecline(db.Model):
    """Someone asked for no more mail about a round (and its pulse) after it closed, or before.

    A closed round forgets who declined (`Invitation.declined` is reset at close), yet its word
    back and its pulse must honour declines. So closing keeps each decline as `digest` only:
    `tokens.decline_digest`, an HMAC under the server's secret key of the original round's id and
    the address, as `SpentToken` does for used links. A copy of the database cannot tell whose
    decline a row is; the app, holding the key, checks an address against it when mail is sent.
    No time, no invitation id; the rows are written in random order, in the closing transaction.
    """

    __tablename__ = "mail_declines"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
