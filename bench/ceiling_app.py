"""The ceiling for a survey submit: only the work a submit cannot avoid, for `bench/load.py`.

Absolute rates drift two- or threefold within an hour on a shared machine, so load.py serves
this app beside the real one, under the same gunicorn settings and against the same database,
and reports the real submit rate as a ratio of this one.

One POST route, `/s/<token>`, taking the fields the real survey posts (`item_<id>` ratings,
`comment_<key>` texts, `platforms`), and doing what `feedback360.survey.services` does for them:
look the link up by its token's SHA-256 (both kinds of link in one query) and compare in
constant time; check the round is open and not past its closing date; then, in one transaction,
insert the response (a random uuid, its group, its sorted platforms) only while the round is
open, its answers and its comments, and claim the link: an invitation is marked answered only
if it was not already, an open link takes a place only while not paused and under its cap, and
is counted into its clock hour. It ends on a 302 to /s/thanks, as the real one does.

What it leaves out is what the real submit adds on top: Flask-WTF (the form, its CSRF check,
validation against the questionnaire), SQLAlchemy (ORM session, pool, compiled statements),
Flask-Limiter (and its Redis round trip), the answered-cookie and the error pages. Raw SQL on
the DB-API, one connection per worker process, opened on its first request (gunicorn preloads
the app in the master; no connection crosses the fork). SQLite gets the app's pragmas. On
PostgreSQL the write is one statement (data-modifying WITH), as the app's is.

Not covered: invitations of a round with maximum anonymity (their claim is a SpentToken digest
under the secret key); such a link answers 501. The benchmark drives an open link.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime

from flask import Flask
from flask import abort
from flask import redirect
from flask import request

# Both kinds of link in one query, as `survey.services._LINK_AND_ROUND_BY_HASH`.
LINK_BY_HASH = """
SELECT link.kind, link.id, link.token_hash, link.rater_group, link.answered, link.paused,
       link.max_responses, link.responses, link.round_id,
       rounds.status, rounds.closes_on, rounds.max_anonymity
FROM (
    SELECT 'invitation' AS kind, id, token_hash, rater_group, answered, NULL AS paused,
           NULL AS max_responses, NULL AS responses, round_id
    FROM invitations WHERE token_hash = {p}
    UNION ALL
    SELECT 'open_link', id, token_hash, rater_group, NULL, paused, max_responses, responses,
           round_id
    FROM open_links WHERE token_hash = {p}
) AS link JOIN rounds ON rounds.id = link.round_id
"""

# SQLite: the statements one by one (no round trips in process). The response's INSERT takes
# the write lock before it reads the round, so the check and the inserts see the same state.
SQLITE_RESPONSE_IF_OPEN = (
    "INSERT INTO responses (id, round_id, rater_group, platforms) "
    "SELECT ?, id, ?, ? FROM rounds WHERE id = ? AND status = 'open'"
)
SQLITE_ANSWER = "INSERT INTO answers (response_id, item_id, value) VALUES (?, ?, ?)"
SQLITE_COMMENT = "INSERT INTO comments (id, response_id, key, text) VALUES (?, ?, ?, ?)"
SQLITE_MARK_INVITATION = "UPDATE invitations SET answered = 1 WHERE id = ? AND answered = 0"
SQLITE_TAKE_PLACE = (
    "UPDATE open_links SET responses = responses + 1 WHERE id = ? AND paused = 0 "
    "AND (max_responses IS NULL OR responses < max_responses)"
)
UPSERT_HOUR = (
    "INSERT INTO open_link_hours (open_link_id, hour, answers) VALUES ({p}, {p}, 1) "
    "ON CONFLICT (open_link_id, hour) DO UPDATE SET answers = open_link_hours.answers + 1"
)

# PostgreSQL: the same steps as one statement, each after the response reading its RETURNING
# row (as `survey.services._one_statement_submits`). {claim} is one of POSTGRES_CLAIMS.
POSTGRES_SUBMIT = """
WITH new_response AS (
    INSERT INTO responses (id, round_id, rater_group, platforms)
    SELECT %(new_id)s, id, %(group)s, %(platforms)s FROM rounds
    WHERE id = %(round_id)s AND status = 'open' FOR SHARE
    RETURNING id
), new_answers AS (
    INSERT INTO answers (response_id, item_id, value)
    SELECT new_response.id, rated.item_id, rated.value
    FROM new_response, unnest(%(item_ids)s::varchar[], %(values)s::int[]) AS rated(item_id, value)
), new_comments AS (
    INSERT INTO comments (id, response_id, key, text)
    SELECT written.id, new_response.id, written.key, written.text
    FROM new_response, unnest(%(comment_ids)s::varchar[], %(comment_keys)s::varchar[],
                              %(comment_texts)s::text[]) AS written(id, key, text)
), {claim}
SELECT (SELECT count(*) FROM new_response) AS saved, (SELECT count(*) FROM claim) AS claimed
"""
POSTGRES_CLAIMS = {
    "invitation": """claim AS (
    UPDATE invitations SET answered = true
    WHERE id = %(link_id)s AND NOT answered AND EXISTS (SELECT 1 FROM new_response)
    RETURNING id
)""",
    "open_link": """claim AS (
    UPDATE open_links SET responses = responses + 1
    WHERE id = %(link_id)s AND NOT paused
      AND (max_responses IS NULL OR responses < max_responses)
      AND EXISTS (SELECT 1 FROM new_response)
    RETURNING id
), counted AS (
    INSERT INTO open_link_hours (open_link_id, hour, answers) SELECT id, %(hour)s, 1 FROM claim
    ON CONFLICT (open_link_id, hour) DO UPDATE SET answers = open_link_hours.answers + 1
)""",
}

# SQLAlchemy's SQLite DateTime stores text in this form; the hour must match the app's row.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class Refused(Exception):
    """The link cannot take this answer now; nothing was saved."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def connect(url: str):
    """A DB-API connection for a SQLAlchemy-style URL, set up as the app sets up its own."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in (
            "foreign_keys=ON",
            "secure_delete=ON",
            "busy_timeout=5000",
            "journal_mode=WAL",
            "synchronous=NORMAL",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))


def parse_answers(form) -> tuple[list[tuple[str, int | None]], list[tuple[str, str]], str]:
    """(ratings, comments, platforms) from the posted fields; 400 on a rating that is no number."""
    ratings, comments = [], []
    for name, value in form.items():
        if name.startswith("item_"):
            try:
                ratings.append((name[5:], None if value == "na" else int(value)))
            except ValueError:
                abort(400)
        elif name.startswith("comment_") and value.strip():
            comments.append((name[8:], value))
    return ratings, comments, ",".join(sorted(set(form.getlist("platforms"))))


def find_link(conn, kind: str, token: str):
    """The link's row, or None for an unknown token."""
    if not token or len(token) > 100:
        return None
    token_hash = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    placeholder = "?" if kind == "sqlite" else "%(hash)s"
    params = (token_hash, token_hash) if kind == "sqlite" else {"hash": token_hash}
    rows = conn.execute(LINK_BY_HASH.format(p=placeholder), params).fetchall()
    return next((r for r in rows if hmac.compare_digest(r[2], token_hash)), None)


def check_open(row) -> None:
    """Refuse what the real survey refuses before its form: closed, answered, paused, full."""
    (link_kind, _, _, _, answered, paused, max_responses, responses, _) = row[:9]
    status, closes_on, max_anonymity = row[9:]
    if isinstance(closes_on, str):
        closes_on = date.fromisoformat(closes_on)
    if status != "open" or (closes_on is not None and closes_on < date.today()):
        raise Refused(410)
    if link_kind == "invitation" and max_anonymity:
        raise Refused(501)
    if answered or paused:
        raise Refused(409)
    if max_responses is not None and responses >= max_responses:
        raise Refused(410)


def save_sqlite(conn, row, ratings, comments, platforms: str) -> None:
    link_kind, link_id, _, group, *_ = row
    round_id = row[8]
    response_id = str(uuid.uuid4())
    conn.execute("BEGIN")
    try:
        saved = conn.execute(
            SQLITE_RESPONSE_IF_OPEN, (response_id, group, platforms, round_id)
        ).rowcount
        if saved != 1:
            raise Refused(410)
        conn.executemany(SQLITE_ANSWER, [(response_id, item, value) for item, value in ratings])
        conn.executemany(
            SQLITE_COMMENT, [(str(uuid.uuid4()), response_id, k, text) for k, text in comments]
        )
        if link_kind == "invitation":
            if conn.execute(SQLITE_MARK_INVITATION, (link_id,)).rowcount != 1:
                raise Refused(409)
        else:
            if conn.execute(SQLITE_TAKE_PLACE, (link_id,)).rowcount != 1:
                raise Refused(409)
            hour = current_hour().strftime(SQLITE_DATETIME)
            conn.execute(UPSERT_HOUR.format(p="?"), (link_id, hour))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def save_postgres(conn, row, ratings, comments, platforms: str) -> None:
    link_kind, link_id, _, group, *_ = row
    statement = POSTGRES_SUBMIT.format(claim=POSTGRES_CLAIMS[link_kind])
    outcome = conn.execute(
        statement,
        {
            "new_id": str(uuid.uuid4()),
            "group": group,
            "platforms": platforms,
            "round_id": row[8],
            "item_ids": [item for item, _ in ratings],
            "values": [value for _, value in ratings],
            "comment_ids": [str(uuid.uuid4()) for _ in comments],
            "comment_keys": [key for key, _ in comments],
            "comment_texts": [text for _, text in comments],
            "link_id": link_id,
            "hour": current_hour(),
        },
    ).fetchone()
    if outcome[0] != 1:
        raise Refused(410)
    if outcome[1] != 1:
        raise Refused(409)


def current_hour() -> datetime:
    """The start of the current clock hour, UTC, naive like every stored time."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def create_app(database_url: str | None = None) -> Flask:
    """The ceiling app; the database comes from DATABASE_URL, as the real app's does."""
    import os

    app = Flask(__name__)
    # No limiter here; says so to gunicorn_config's check for unshared rate-limit counters.
    app.config["RATELIMIT_ENABLED"] = False
    url = database_url or os.environ["DATABASE_URL"]
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    save = save_sqlite if kind == "sqlite" else save_postgres
    state = app.extensions["ceiling"] = {}  # this worker's connection, once opened

    @app.post("/s/<token>")
    def submit(token: str):
        ratings, comments, platforms = parse_answers(request.form)
        conn = state.get("conn")
        if conn is None:
            conn = state["conn"] = connect(url)
        try:
            row = find_link(conn, kind, token)
            if row is None:
                return "Unknown link", 404
            check_open(row)
            save(conn, row, ratings, comments, platforms)
            if kind == "postgresql":
                conn.commit()
        except Refused as refused:
            if kind == "postgresql":
                conn.rollback()
            return "Refused", refused.status
        except Exception:
            state.pop("conn", None)  # a broken connection is not used again
            conn.close()
            raise
        return redirect("/s/thanks")

    return app


def close(app: Flask) -> None:
    """Close this process's connection, if the app opened one (tests; gunicorn just exits)."""
    conn = app.extensions["ceiling"].pop("conn", None)
    if conn is not None:
        conn.close()
