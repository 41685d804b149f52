"""Database tables.

Anonymity is designed into the schema: `Response`, `Answer` and `Comment` carry no foreign key,
column or ordering that ties them to an `Invitation`, a person, an IP address or a time. Response
and comment ids are random UUIDv4 strings. An invitation only learns that it was answered.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from .extensions import db

GROUP_IDS = ("follower", "colleague", "staff", "other")
ROUND_STATUSES = ("draft", "open", "closed")
MAX_COMMENT_LENGTH = 2000

_groups_sql = ", ".join(f"'{g}'" for g in GROUP_IDS)
_statuses_sql = ", ".join(f"'{s}'" for s in ROUND_STATUSES)


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

    rounds: Mapped[list[Round]] = relationship(
        back_populates="leader", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol, spelled out instead of inheriting UserMixin's magic.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("anonymity_threshold >= 3", name="threshold_at_least_3"),
        CheckConstraint(f"status IN ({_statuses_sql})", name="known_status"),
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
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)

    leader: Mapped[User] = relationship(back_populates="rounds")
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
    # Only "answered", never when: a time could be lined up with a response.
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)

    round: Mapped[Round] = relationship(back_populates="invitations")


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

    round: Mapped[Round] = relationship(back_populates="open_links")


class Response(db.Model):
    """One respondent's answers: a group and nothing else that could identify them."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"rater_group IN ({_groups_sql})", name="response_known_group"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid4)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    rater_group: Mapped[str] = mapped_column(String(20))

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


class CoachShare(db.Model):
    """A round shared with a coach by email; the coach sees it once logged in with that email."""

    __tablename__ = "coach_shares"
    __table_args__ = (UniqueConstraint("round_id", "coach_email", name="one_share_per_coach"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    coach_email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)

    round: Mapped[Round] = relationship(back_populates="shares")
