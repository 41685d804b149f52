"""Finding the round behind a survey link and saving a response, all-or-nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from functools import cached_property

from flask import current_app
from sqlalchemy import ARRAY
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import bindparam
from sqlalchemy import cast
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import union_all
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import Select

from ..extensions import db
from ..keys import secret_keys
from ..models import Answer
from ..models import Comment
from ..models import Invitation
from ..models import OpenLink
from ..models import OpenLinkHour
from ..models import Response
from ..models import Round
from ..models import SpentToken
from ..tokens import hash_token
from ..tokens import spent_digest
from ..tokens import spent_digests
from ..tokens import token_matches


@dataclass(frozen=True)
class SurveyLink:
    """What a survey request needs to know about its link and its round, read in one query.

    A submit needs nothing more; the pages that show the round load it as a model through
    `round`, on first use.
    """

    round_id: int
    round_status: str
    closes_on: date | None
    questionnaire_version: str
    max_anonymity: bool
    group: str
    invitation_id: int | None
    open_link_id: int | None
    answered: bool
    paused: bool = False  # open links only: the leader has paused it
    awaiting: bool = False  # open links only: it waits for the coach's approval (approval.py)
    full: bool = False  # open links only: it has all the answers its cap allows
    # What the survey's language follows (language_choice.survey_locale); never stored with
    # the answer.
    invitation_language: str | None = None
    round_language: str | None = None
    round_kind: str = "full"  # "pulse": a follow-up asks its focus statements only

    @property
    def is_pulse(self) -> bool:
        return self.round_kind == "pulse"

    @cached_property
    def round(self) -> Round | None:
        """None only if the round was deleted after the link was resolved."""
        return db.session.get(Round, self.round_id, options=[joinedload(Round.leader)])


class AlreadyAnswered(Exception):
    pass


class RoundNotOpen(Exception):
    pass


class LinkPaused(Exception):
    pass


class LinkFull(Exception):
    pass


class LinkAwaitingCoach(Exception):
    pass


# The statements of a survey request, built once: building one costs more than running it.
# Parameters are named apart from the columns, which insert and update keep for their values.
# Both kinds of link in one query (one round trip): a token is looked up before anyone knows
# which kind it is. Columns the other kind lacks are typed NULLs.
_LINK_BY_HASH = union_all(
    select(
        literal("invitation").label("kind"),
        Invitation.id,
        Invitation.token_hash,
        Invitation.rater_group,
        Invitation.answered,
        cast(null(), Boolean).label("paused"),
        cast(null(), Integer).label("max_responses"),
        cast(null(), Integer).label("responses"),
        cast(null(), Boolean).label("awaiting_coach"),
        Invitation.language,
        Invitation.round_id,
    ).where(Invitation.token_hash == bindparam("hash")),
    select(
        literal("open_link"),
        OpenLink.id,
        OpenLink.token_hash,
        OpenLink.rater_group,
        cast(null(), Boolean),
        OpenLink.paused,
        OpenLink.max_responses,
        OpenLink.responses,
        OpenLink.awaiting_coach,
        cast(null(), String),
        OpenLink.round_id,
    ).where(OpenLink.token_hash == bindparam("hash")),
).subquery("link")
_LINK_AND_ROUND_BY_HASH = select(
    _LINK_BY_HASH,
    Round.status.label("round_status"),
    Round.closes_on,
    Round.questionnaire_version,
    Round.max_anonymity,
    Round.default_language,
    Round.kind.label("round_kind"),
).join(Round, Round.id == _LINK_BY_HASH.c.round_id)
# The response row goes in only while its round is open, and the shared lock on the round
# (PostgreSQL; SQLite renders no FOR SHARE) keeps it open until this transaction ends: the
# UPDATE of `close_round` waits for it. On SQLite the statement takes the one write lock before
# it reads the round, so the check and the inserts see the same state there too. An INSERT's
# row count is read only when asked to keep it (psycopg drops it with the closed cursor).
_RESPONSE_IF_OPEN = (
    insert(Response)
    .from_select(
        ["id", "round_id", "rater_group", "platforms"],
        select(
            bindparam("new_id", type_=String),
            Round.id,
            bindparam("group", type_=String),
            bindparam("platform_ids", type_=String),
        )
        .where(Round.id == bindparam("open_round_id"), Round.status == "open")
        .with_for_update(read=True),
    )
    .execution_options(preserve_rowcount=True)
)
_INSERT_ANSWERS = insert(Answer)
_INSERT_COMMENTS = insert(Comment)
_MARK_INVITATION_ANSWERED = (
    update(Invitation)
    .where(Invitation.id == bindparam("invitation_id"), Invitation.answered.is_(False))
    .values(answered=True)
)
_TAKE_OPEN_LINK_PLACE = (
    update(OpenLink)
    .where(
        OpenLink.id == bindparam("open_link_id"),
        OpenLink.paused.is_(False),
        OpenLink.awaiting_coach.is_(False),
        or_(OpenLink.max_responses.is_(None), OpenLink.responses < OpenLink.max_responses),
    )
    .values(responses=OpenLink.responses + 1)
)
_COUNT_INTO_HOUR = (
    update(OpenLinkHour)
    .where(
        OpenLinkHour.open_link_id == bindparam("link_id"),
        OpenLinkHour.hour == bindparam("this_hour"),
    )
    .values(answers=OpenLinkHour.answers + 1)
)
_FIRST_OF_HOUR = insert(OpenLinkHour)


def _one_statement_submits() -> dict[str, Select]:
    """PostgreSQL: the whole submit as one statement per kind of link, one round trip.

    The same steps as the statements above, as data-modifying WITH queries (SQLite has none).
    Each step after the response reads the response's RETURNING row, so it runs only if the
    response went in, and only after: the round's shared lock comes first, then the row other
    submits (and `close_round`) also lock, in the order the separate statements take them. The
    final SELECT says whether the response went in and whether the link was claimed; `submit`
    rolls the transaction back if either is missing.
    """
    response = _RESPONSE_IF_OPEN.returning(Response.id).cte("new_response")
    response_saved = exists(select(response.c.id))
    rated = (
        func.unnest(
            bindparam("item_ids", type_=ARRAY(String)), bindparam("values", type_=ARRAY(Integer))
        )
        .table_valued("item_id", "value")
        .render_derived(name="rated")
    )
    answers = insert(Answer).from_select(
        ["response_id", "item_id", "value"],
        select(response.c.id, rated.c.item_id, rated.c.value).select_from(
            response.join(rated, true())
        ),
    )
    written = (
        func.unnest(
            bindparam("comment_ids", type_=ARRAY(String)),
            bindparam("comment_keys", type_=ARRAY(String)),
            bindparam("comment_texts", type_=ARRAY(Text)),
        )
        .table_valued("id", "key", "text")
        .render_derived(name="written")
    )
    comments = insert(Comment).from_select(
        ["id", "response_id", "key", "text"],
        select(written.c.id, response.c.id, written.c.key, written.c.text).select_from(
            response.join(written, true())
        ),
    )
    claims = {
        "invitation": update(Invitation)
        .where(
            Invitation.id == bindparam("invitation_id"),
            Invitation.answered.is_(False),
            response_saved,
        )
        .values(answered=True)
        .returning(Invitation.id),
        # No time, no invitation: see SpentToken. A digest already there claims nothing.
        "spent_token": postgresql_insert(SpentToken)
        .from_select(
            ["round_id", "digest"],
            select(
                bindparam("open_round_id", type_=Integer), bindparam("digest", type_=String)
            ).where(response_saved),
        )
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(SpentToken.digest),
        "open_link": _TAKE_OPEN_LINK_PLACE.where(response_saved).returning(OpenLink.id),
    }
    statements = {}
    for kind, claim_statement in claims.items():
        claim = claim_statement.cte("claim")
        steps = [answers.cte("new_answers"), comments.cte("new_comments")]
        if kind == "open_link":
            steps.append(
                postgresql_insert(OpenLinkHour)
                .from_select(
                    ["open_link_id", "hour", "answers"],
                    select(claim.c.id, bindparam("this_hour", type_=DateTime), literal(1)),
                )
                .on_conflict_do_update(
                    index_elements=["open_link_id", "hour"],
                    set_={"answers": OpenLinkHour.answers + 1},
                )
                .cte("counted")
            )
        statements[kind] = select(
            select(func.count()).select_from(response).scalar_subquery().label("saved"),
            select(func.count()).select_from(claim).scalar_subquery().label("claimed"),
        ).add_cte(*steps)
    return statements


_SUBMIT_IN_ONE_STATEMENT = _one_statement_submits()


def current_hour() -> datetime:
    """The start of the current clock hour, UTC, naive like every stored time."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def resolve(token: str) -> SurveyLink | None:
    """The link a token belongs to, or None for a forged, mistyped or replaced link."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    # Plain rows on the session's connection: every survey request resolves its link, and
    # loading models for it cost more than the query.
    found = db.session.connection().execute(_LINK_AND_ROUND_BY_HASH, {"hash": token_hash})
    row = next((r for r in found if token_matches(token, r.token_hash)), None)
    if row is None:
        return None
    round_fields = (
        row.round_id,
        row.round_status,
        row.closes_on,
        row.questionnaire_version,
        row.max_anonymity,
    )
    if row.kind == "invitation":
        if row.max_anonymity:
            answered = _spent(*spent_digests(secret_keys(), row.round_id, row.id))
        else:
            answered = row.answered
        return SurveyLink(
            *round_fields,
            row.rater_group,
            row.id,
            None,
            answered,
            invitation_language=row.language,
            round_language=row.default_language,
            round_kind=row.round_kind,
        )
    full = row.max_responses is not None and row.responses >= row.max_responses
    return SurveyLink(
        *round_fields,
        row.rater_group,
        None,
        row.id,
        False,
        paused=row.paused,
        full=full,
        awaiting=row.awaiting_coach,
        round_language=row.default_language,
        round_kind=row.round_kind,
    )


def submit(
    link: SurveyLink,
    ratings: dict[str, int | None],
    comments: dict[str, str],
    platforms: Iterable[str] = (),
) -> None:
    """Store one response in one transaction.

    The round's state is checked by the response's own INSERT, which adds the row only while the
    round is open and keeps it open until commit (`_RESPONSE_IF_OPEN`): a response is either
    saved before the round closes, and so rewritten with the others, or refused.

    For an invitation, the database decides single use: the conditional UPDATE marks it answered
    only if it was not already, so two parallel submits cannot both succeed. The response row
    gets nothing from the invitation but its group. In a round with maximum anonymity the
    invitation is left untouched; instead a `SpentToken` row is inserted, and its unique digest
    refuses a second one.

    For an open link, a conditional UPDATE likewise takes one of the places its cap allows, only
    while the link is not paused, so parallel submits cannot exceed the cap. The answer is also
    counted into its clock hour (`OpenLinkHour`) for burst detection.

    On PostgreSQL the same steps go as one statement (`_SUBMIT_IN_ONE_STATEMENT`): there each
    round trip cost the app and the server more than the work it carried.
    """
    response_id = str(uuid.uuid4())
    answer_rows = [
        {"response_id": response_id, "item_id": item_id, "value": value}
        for item_id, value in ratings.items()
    ]
    comment_rows = [
        {"id": str(uuid.uuid4()), "response_id": response_id, "key": key, "text": text}
        for key, text in comments.items()
    ]
    try:
        # Core statements on the session's connection, not ORM objects or ORM-enabled DML: the
        # rows are plain data, and every millisecond counts while the write lock is held.
        conn = db.session.connection()
        if conn.dialect.name == "postgresql":
            _submit_in_one_statement(conn, link, response_id, answer_rows, comment_rows, platforms)
            db.session.commit()
            return
        inserted = conn.execute(
            _RESPONSE_IF_OPEN,
            {
                "new_id": response_id,
                "group": link.group,
                "platform_ids": platforms_text(platforms),
                "open_round_id": link.round_id,
            },
        ).rowcount
        if inserted != 1:
            raise RoundNotOpen
        if answer_rows:
            conn.execute(_INSERT_ANSWERS, answer_rows)
        if comment_rows:
            conn.execute(_INSERT_COMMENTS, comment_rows)
        # The rows other submits also update go last, so their locks are held shortest.
        if link.invitation_id is not None and link.max_anonymity:
            _spend(link.round_id, link.invitation_id)
        elif link.invitation_id is not None:
            marked = conn.execute(
                _MARK_INVITATION_ANSWERED, {"invitation_id": link.invitation_id}
            ).rowcount
            if marked != 1:
                raise AlreadyAnswered
        if link.open_link_id is not None:
            _take_open_link_place(link.open_link_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _submit_in_one_statement(conn, link, response_id, answer_rows, comment_rows, platforms):
    """`submit` on PostgreSQL, where each round trip costs both processes more than the work.

    One set of parameters serves all three statements; each takes the ones it names. The spent
    token's round is the round the response goes into (`open_round_id`).
    """
    if link.open_link_id is not None:
        kind = "open_link"
    elif link.max_anonymity:
        kind = "spent_token"
        _refuse_if_spent_under_a_replaced_key(link.round_id, link.invitation_id)
    else:
        kind = "invitation"
    outcome = conn.execute(
        _SUBMIT_IN_ONE_STATEMENT[kind],
        {
            "new_id": response_id,
            "group": link.group,
            "platform_ids": platforms_text(platforms),
            "open_round_id": link.round_id,
            "item_ids": [row["item_id"] for row in answer_rows],
            "values": [row["value"] for row in answer_rows],
            "comment_ids": [row["id"] for row in comment_rows],
            "comment_keys": [row["key"] for row in comment_rows],
            "comment_texts": [row["text"] for row in comment_rows],
            "invitation_id": link.invitation_id,
            "digest": (
                _invitation_digest(link.round_id, link.invitation_id)
                if kind == "spent_token"
                else None
            ),
            "open_link_id": link.open_link_id,
            "this_hour": current_hour(),
        },
    ).one()
    if outcome.saved != 1:
        raise RoundNotOpen
    if outcome.claimed != 1:
        if kind == "open_link":
            _refuse_open_link(link.open_link_id)
        raise AlreadyAnswered


def _invitation_digest(round_id: int, invitation_id: int) -> str:
    return spent_digest(current_app.config["SECRET_KEY"], round_id, invitation_id)


def _spent(*digests: str) -> bool:
    found = db.session.scalar(
        select(SpentToken.digest).where(SpentToken.digest.in_(digests)).limit(1)
    )
    return found is not None


def _refuse_if_spent_under_a_replaced_key(round_id: int, invitation_id: int) -> None:
    """A use recorded before the secret key was rotated is under the old key's digest; the
    unique digest only catches a second use under the current key."""
    replaced = spent_digests(secret_keys()[1:], round_id, invitation_id)
    if replaced and _spent(*replaced):
        raise AlreadyAnswered


def _spend(round_id: int, invitation_id: int) -> None:
    """Record the link as used, or raise AlreadyAnswered if it already was (SQLite's path).

    Flushed on its own, so that a unique violation can only be this row; `submit` then rolls the
    response back as for any refusal.
    """
    _refuse_if_spent_under_a_replaced_key(round_id, invitation_id)
    digest = _invitation_digest(round_id, invitation_id)
    db.session.add(SpentToken(round_id=round_id, digest=digest))
    try:
        db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered from None


def _refuse_open_link(open_link_id: int) -> None:
    """The link had no place to give: say why."""
    state = db.session.execute(
        select(OpenLink.paused, OpenLink.awaiting_coach).where(OpenLink.id == open_link_id)
    ).first()
    if state is not None and state.awaiting_coach:
        raise LinkAwaitingCoach
    raise LinkPaused if state is not None and state.paused else LinkFull


def platforms_text(platforms: Iterable[str]) -> str:
    """Stored sorted, so the column says which platforms, never in which order they were ticked."""
    return ",".join(sorted(set(platforms)))


def _take_open_link_place(open_link_id: int) -> None:
    """Count one answer into the open link and its hour, or raise LinkPaused / LinkFull."""
    conn = db.session.connection()
    taken = conn.execute(_TAKE_OPEN_LINK_PLACE, {"open_link_id": open_link_id}).rowcount
    if taken != 1:
        _refuse_open_link(open_link_id)
    # Select-free upsert: try the increment, insert if the hour has no row yet. The transaction
    # holds SQLite's write lock since the response went in, so a parallel submit to the same
    # link cannot insert the same hour in between.
    hour = current_hour()
    counted = conn.execute(_COUNT_INTO_HOUR, {"link_id": open_link_id, "this_hour": hour}).rowcount
    if counted != 1:
        conn.execute(_FIRST_OF_HOUR, {"open_link_id": open_link_id, "hour": hour, "answers": 1})
