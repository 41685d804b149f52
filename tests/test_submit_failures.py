"""A submit the database fails mid-way: the respondent keeps every answer, the logs keep none.

The failures are real: SQLite's write lock held by another connection past a short busy timeout,
a PostgreSQL backend killed while it waits for the round's row, a PostgreSQL statement timeout.
Every log record is captured at DEBUG, with SQL echo off and on.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from feedback360.tokens import hash_token
from tests.helpers import add_user
from tests.helpers import answers_on_page
from tests.helpers import before_each_statement
from tests.helpers import drop_app
from tests.helpers import invite
from tests.helpers import make_app
from tests.helpers import response_count

Q = questionnaire.load()
SECRET_COMMENT = "zebra-secret-7731"
INVITATION_ID = 987654
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# Ratings 5,1,4,2,3,5,1,... over the items, the first two "not observed": a pattern no other
# figure in a log would repeat.
PATTERN = ["na", "na"] + [str(v) for v in (5, 1, 4, 2, 3) * 6][: len(Q.items) - 2]
PLATFORMS = ["mastodon", "blog"]

FAILURES = {
    "sqlite": ["locked"],
    "postgresql": ["killed", "statement_timeout"],
}


def distinctive_answers(csrf_token: str | None = None) -> MultiDict:
    data = [(item_field(item.id), value) for item, value in zip(Q.items, PATTERN, strict=True)]
    data += [("platforms", p) for p in PLATFORMS]
    data += [(comment_field("keep"), SECRET_COMMENT), (comment_field("change"), "Less, better.")]
    if csrf_token is not None:
        data.append(("csrf_token", csrf_token))
    return MultiDict(data)


def rating_traces() -> list[str]:
    """How the ratings would look in a logged parameter list, on either database."""
    values = [int(v) for v in PATTERN if v != "na"]
    run = ", ".join(str(v) for v in values[:6])
    return [run, f"'{Q.items[2].id}', {values[0]}", f"{Q.items[2].id}"]


def a_round_with_one_invitation(app) -> tuple[str, int]:
    """An open round with one invitation, whose id is one no other number in a log would be."""
    with app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader,
            title="One",
            anonymity_threshold=3,
            closes_on=None,
            platforms=["Mastodon", "Blog"],
        )
        token = invite(a_round, "r@example.org, staff")["r@example.org"]
        round_services.open_round(a_round)
        # Only the outbox points at invitations; this test sends no mail.
        db.session.execute(text("DELETE FROM outbox WHERE round_id = :r"), {"r": a_round.id})
        db.session.execute(
            text("UPDATE invitations SET id = :new WHERE round_id = :r"),
            {"new": INVITATION_ID, "r": a_round.id},
        )
        db.session.commit()
        return token, a_round.id


@contextmanager
def ids_sent(found: set[str]):
    """Collects the UUIDs (response and comment ids) in every statement's parameters, before it
    runs: a failing statement never reaches `after_each_statement`."""

    def collect(statement, parameters) -> None:
        found.update(UUID.findall(str(parameters)))

    with before_each_statement(collect):
        yield


@contextmanager
def sqlite_lock_held(app):
    """Another connection holds SQLite's write lock; the app waits 50 ms for it, not 5 s."""

    def short_busy_timeout(dbapi_connection, connection_record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    path = db.engine.url.database
    db.engine.dispose()
    event.listen(db.engine, "connect", short_busy_timeout)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        event.remove(db.engine, "connect", short_busy_timeout)
        db.session.remove()
        db.engine.dispose()


@contextmanager
def postgres_round_locked(round_id: int, kill: bool):
    """Another connection locks the round's row, which every submit waits on (FOR SHARE).

    kill: the waiting backend is terminated, as an operator's pg_terminate_backend does; else
    the app's statements time out after 300 ms (statement_timeout).
    """
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    locker = psycopg.connect(url)
    locker.execute("SELECT id FROM rounds WHERE id = %s FOR UPDATE", (round_id,))
    locker_pid = locker.info.backend_pid
    stop = threading.Event()
    killed: list[int] = []

    def kill_whoever_waits() -> None:
        with psycopg.connect(url, autocommit=True) as watcher:
            while not stop.is_set():
                waiting = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                    (locker_pid,),
                ).fetchall()
                for (pid,) in waiting:
                    watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    killed.append(pid)
                time.sleep(0.02)

    def short_statement_timeout(dbapi_connection, connection_record):
        dbapi_connection.execute("SET statement_timeout = 300")
        dbapi_connection.commit()

    db.engine.dispose()
    if kill:
        killer = threading.Thread(target=kill_whoever_waits)
        killer.start()
    else:
        event.listen(db.engine, "connect", short_statement_timeout)
    try:
        yield killed
    finally:
        stop.set()
        if kill:
            killer.join()
        else:
            event.remove(db.engine, "connect", short_statement_timeout)
        locker.rollback()
        locker.close()
        db.session.remove()
        db.engine.dispose()


@contextmanager
def submits_fail(app, database_url, failure, round_id):
    with app.app_context():
        if failure == "locked":
            with sqlite_lock_held(app):
                yield
        else:
            with postgres_round_locked(round_id, kill=failure == "killed") as killed:
                yield
            if failure == "killed":
                assert killed, "the submit's backend was terminated"


def failures_for(database_url: str) -> list[str]:
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return FAILURES[kind]


def every_log_line(caplog, capsys) -> str:
    """Every captured record in full (message and traceback), and what echo printed."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    printed = capsys.readouterr()
    return "\n".join(lines) + printed.out + printed.err


@pytest.mark.parametrize(
    ("echo", "engine_log_level"),
    [(False, logging.WARNING), (False, logging.DEBUG), ("debug", logging.WARNING)],
    ids=["echo-off", "engine-logger-debug", "echo-debug"],
)
def test_a_submit_that_fails_in_the_database_logs_no_answer_or_id(
    database_url, tmp_path, caplog, capsys, echo, engine_log_level
):
    """echo-off is production: only the error log. SQLAlchemy's own loggers stay at WARNING
    unless set lower, as the second case does, or echo is on, as the third does."""
    app = make_app(database_url, tmp_path, SQLALCHEMY_ECHO=echo)
    try:
        token, round_id = a_round_with_one_invitation(app)
        client = app.test_client()
        assert client.get(f"/s/{token}").status_code == 200
        for failure in failures_for(database_url):
            sent_ids: set[str] = set()
            caplog.clear()
            capsys.readouterr()
            caplog.set_level(logging.DEBUG)
            caplog.set_level(engine_log_level, logger="sqlalchemy.engine")
            with (
                submits_fail(app, database_url, failure, round_id),
                app.app_context(),
                ids_sent(sent_ids),
            ):
                reply = client.post(f"/s/{token}", data=distinctive_answers())
            logged = every_log_line(caplog, capsys)
            assert reply.status_code != 302, f"{failure}: the submit went through"
            assert "Traceback" in logged or "failed in the database" in logged, (
                f"{failure}: the failure was not logged at all"
            )
            assert sent_ids, "the response's id was sent to the database"
            forbidden = [
                SECRET_COMMENT,
                token,
                hash_token(token),
                str(INVITATION_ID),
                *sent_ids,
                *rating_traces(),
                *PLATFORMS,
            ]
            leaked = [secret for secret in forbidden if secret in logged]
            assert not leaked, f"{failure}, echo={echo}: the logs hold {leaked}"
    finally:
        caplog.set_level(logging.WARNING)
        drop_app(app)


def test_a_successful_submit_with_sql_echo_logs_no_answer_or_id(
    database_url, tmp_path, caplog, capsys
):
    """Echo at DEBUG prints every statement, its parameters and every row it returns."""
    app = make_app(database_url, tmp_path, SQLALCHEMY_ECHO="debug")
    try:
        token, _ = a_round_with_one_invitation(app)
        client = app.test_client()
        caplog.set_level(logging.DEBUG)
        sent_ids: set[str] = set()
        with app.app_context(), ids_sent(sent_ids):
            assert client.get(f"/s/{token}").status_code == 200
            assert client.post(f"/s/{token}", data=distinctive_answers()).status_code == 302
        logged = every_log_line(caplog, capsys)
        assert "INSERT INTO" in logged, "echo was on"
        forbidden = [SECRET_COMMENT, hash_token(token), str(INVITATION_ID), *sent_ids]
        forbidden += rating_traces()
        leaked = [secret for secret in forbidden if secret in logged]
        assert not leaked, f"the SQL echo holds {leaked}"
    finally:
        caplog.set_level(logging.WARNING)
        drop_app(app)


def test_a_failed_submit_shows_every_answer_again_and_saves_nothing(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    try:
        token, round_id = a_round_with_one_invitation(app)
        client = app.test_client()
        for failure in failures_for(database_url):
            with submits_fail(app, database_url, failure, round_id):
                page = client.post(f"/s/{token}", data=distinctive_answers())
            assert page.status_code == 503, failure
            assert "That did not go through" in page.text
            # Back on the review step, every answer in its hidden field, ready to send again.
            assert 'action="?go=send"' in page.text
            kept = answers_on_page(page.text)
            assert kept[comment_field("keep")] == SECRET_COMMENT
            assert kept[comment_field("change")] == "Less, better."
            for item, value in zip(Q.items, PATTERN, strict=True):
                assert kept[item_field(item.id)] == value, f"{failure}: {item.id} lost {value}"
            assert sorted(kept.getlist("platforms")) == sorted(PLATFORMS)
            with app.app_context():
                assert response_count() == 0
                invitation = db.session.scalar(select(Invitation))
                assert invitation.answered is False, "the link is not used up"
        again = client.post(f"/s/{token}", data=distinctive_answers())
        assert again.status_code == 302
        with app.app_context():
            assert response_count() == 1
    finally:
        drop_app(app)


def test_an_unexpected_database_error_on_a_survey_route_is_logged_without_its_text(
    app, caplog, capsys
):
    """Flask logs any exception no handler took, with its traceback. On a respondent's route the
    record keeps the exception types and lines of code: PostgreSQL's DETAIL line quotes the key
    (here a response id), SQLAlchemy's message the statement's parameters (here a comment)."""
    response_id = str(uuid.uuid4())
    caplog.set_level(logging.DEBUG)
    with app.test_request_context("/s/some-link-token", method="POST"):
        try:
            db.session.execute(
                insert(Comment).values(
                    id=str(uuid.uuid4()), response_id=response_id, key="keep", text=SECRET_COMMENT
                )
            )
            db.session.flush()
        except DBAPIError:
            app.log_exception(sys.exc_info())  # what Flask does before its 500 page
            db.session.rollback()
    logged = every_log_line(caplog, capsys)
    assert "sqlalchemy.exc.IntegrityError" in logged, "the failure is still named"
    assert response_id not in logged and SECRET_COMMENT not in logged
