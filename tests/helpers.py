"""Helpers the test modules share: apps, users, rounds, answers, and stepping in between SQL
statements. Fixtures live in conftest.py; these are plain functions and constants."""

from __future__ import annotations

import os
import re
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from feedback360 import create_app
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Response
from feedback360.models import Round
from feedback360.models import User
from feedback360.outbox import now as outbox_now
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.survey import services as survey_services
from feedback360.survey.forms import item_field

POSTGRES_URL = os.environ.get(
    "FEEDBACK360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"
SECRET_KEY = "test-secret-key-at-least-32-bytes-long"  # shorter keys are refused at start

# Debian's chromium, driven by Playwright (browsers cannot be downloaded here).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots")

# Fixture users get a cheap hash so hundreds of tests stay fast; the app itself uses scrypt.
# `make_app` makes it the current scheme, so logging in does not upgrade it to scrypt.
FAST_METHOD = "pbkdf2:sha256:1000"
FAST_HASH = generate_password_hash(PASSWORD, method=FAST_METHOD)


@contextmanager
def postgres_schema(prefix: str = "f360_test"):
    """A URL whose search_path is a fresh schema, dropped afterwards; skip if no server."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}: {error}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def make_app(database_url: str, tmp_path, **config):
    app = create_app(
        {
            "PASSWORD_HASH_METHOD": FAST_METHOD,
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "feedback360.test",
            **config,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def drop_app(app) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def add_user(email: str, name: str = "Test User") -> User:
    user = User(email=email, name=name, password_hash=FAST_HASH)
    db.session.add(user)
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


URL_TOKEN = re.compile(r"/s/([A-Za-z0-9_\-]+)")


def invite(a_round, lines: str) -> dict[str, str]:
    """Invite people and return {email: token}."""
    created, errors = round_services.add_invitations(a_round, lines)
    assert not errors, errors
    return {invitee.email: token for invitee, token in created}


def answer_all(q, value: int | None) -> dict[str, int | None]:
    return {item.id: value for item in q.items}


def submit_via_token(token: str, ratings, comments=None) -> None:
    link = survey_services.resolve(token)
    survey_services.submit(link, ratings, comments or {})


def after_each_statement(hook):
    """Call `hook(statement, parameters)` after each SQL statement sent while the block runs,
    in whichever thread sends it: how a test steps in between two statements of a request."""
    return _on_each_statement("after_cursor_execute", hook)


def before_each_statement(hook):
    """Like `after_each_statement`, before each statement runs: a failing one is seen too."""
    return _on_each_statement("before_cursor_execute", hook)


@contextmanager
def _on_each_statement(engine_event: str, hook):
    def call(conn, cursor, statement, parameters, context, executemany) -> None:
        hook(statement, parameters)

    event.listen(db.engine, engine_event, call)
    try:
        yield
    finally:
        event.remove(db.engine, engine_event, call)


@contextmanager
def statements_sent():
    """The SQL statements sent while the block runs (an executemany counts once)."""
    sent: list[str] = []
    with after_each_statement(lambda statement, parameters: sent.append(statement)):
        yield sent


def submit_at_once(app, token: str, times: int, ratings, comments=None) -> list[str]:
    """`times` people submit one link at the same instant, each in its own thread and session.

    Returns the sorted outcomes: "saved", or the name of the exception a submit raised.
    """
    links = [survey_services.resolve(token) for _ in range(times)]
    outcomes: list[str] = []
    barrier = threading.Barrier(times)

    def submit(link) -> None:
        with app.app_context():
            barrier.wait()
            try:
                survey_services.submit(link, ratings, comments or {})
                outcomes.append("saved")
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(link,)) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def full_answers(value: str = "4", **overrides) -> dict[str, str]:
    """Survey form data answering every item with `value` ("1".."5" or "na")."""
    data = {item_field(item.id): value for item in questionnaire.load().items}
    data.update(overrides)
    return data


def response_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def round_like(leader, template, title: str = "Round"):
    """A new draft round with `template`'s settings, so two rounds differ only in what follows."""
    return round_services.create_round(
        leader,
        title=title,
        why=template.why,
        success_measures=template.success_measures,
        platforms=template.platforms,
        closes_on=template.closes_on,
        anonymity_threshold=3,
    )


def close_with_lone_staff_invitee(a_round, staff_answers: bool):
    """Four followers who answer and one staff invitee who answers or not; then close."""
    q = questionnaire.load(a_round.questionnaire_version)
    tokens = invite(
        a_round,
        "\n".join([f"f{i}@example.org, follower" for i in range(4)] + ["s0@example.org, staff"]),
    )
    round_services.open_round(a_round)
    for i in range(4):
        submit_via_token(tokens[f"f{i}@example.org"], answer_all(q, 4))
    if staff_answers:
        submit_via_token(tokens["s0@example.org"], answer_all(q, 2))
    round_services.close_round(a_round)
    return a_round


def download_report(client, round_id: int) -> bytes:
    """The PDF through the real route: the first download asks for it, the sender's step
    (`build_wanted_reports`, as `flask send-mail` runs it) builds it, the next one serves it."""
    reply = client.get(f"/rounds/{round_id}/report.pdf")
    if reply.status_code == 202:
        build_wanted_reports()
        reply = client.get(f"/rounds/{round_id}/report.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf", reply.status
    return reply.data


@contextmanager
def serve(app):
    """The app on a loopback port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def overflow(page) -> int:
    """How far the page is wider than its viewport (0 when nothing scrolls sideways)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def shot(page, name: str, folder: Path = SHOTS) -> None:
    """A full-page screenshot for a human to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


class _PostedFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # As a browser reads it: CR LF as LF, less the one newline that may follow <textarea>.
            text = "".join(self._text).replace("\r\n", "\n")
            self.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def answers_on_page(html: str) -> MultiDict:
    """What a page's form would post, as a browser sends it: checked radios and checkboxes,
    hidden and other inputs, and text boxes (empty ones left out). Survey step 1 shows the
    answers as checked inputs and text boxes, step 2 as hidden fields: both read the same."""
    parser = _PostedFields()
    parser.feed(html)
    return MultiDict([(k, v) for k, v in parser.fields if v != "" or not k.startswith("comment_")])


def review_url(token: str) -> str:
    """Where step 1 posts: the review step (step 2 posts to the link itself, `?go=send`)."""
    return f"/s/{token}?go=review"


def time_passes(days: float) -> None:
    """As if `days` had passed: every date and time the database holds about rounds, their
    invitations and their mail moves that far back (closing dates stay: they come nearer)."""
    shift = timedelta(days=days)
    for a_round in db.session.scalars(select(Round)):
        if a_round.opened_on:
            a_round.opened_on -= shift
    for invitation in db.session.scalars(select(Invitation)):
        invitation.created_at -= shift
        if invitation.last_reminded_at:
            invitation.last_reminded_at -= shift
    for message in db.session.scalars(select(OutboxMessage)):
        message.created_at -= shift
        message.next_attempt_at -= shift
        if message.sent_at:
            message.sent_at -= shift
    db.session.commit()


def all_mail_sent() -> None:
    """Every message waiting in the outbox marked sent now, as the sender would after delivering
    it: for tests that run no SMTP server."""
    pending = select(OutboxMessage).where(OutboxMessage.status == "pending")
    for message in db.session.scalars(pending):
        message.status, message.sent_at = "sent", outbox_now()
    db.session.commit()


def visible_text(html: str) -> str:
    """A page's words as a reader sees them: no tags, entities decoded, spaces collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def section_of(html: str, section_id: str) -> str:
    """The markup of the page's element with this id, up to the end of its section."""
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def invitation_row(page: str, email: str) -> str:
    """An invitation's row on the round page with its address and id blanked, so two rows
    compare equal when the page tells the leader nothing more about one than the other."""
    match = re.search(rf"<tr><td[^>]*>{re.escape(email)}</td>.*?</tr>", page, re.S)
    assert match, f"no row for {email}"
    return re.sub(r"/invitations/\d+/", "/invitations/N/", match[0].replace(email, "E"))


def share_for(a_round, coach_email: str):
    """The round's share with this coach."""
    return next(share for share in a_round.shares if share.coach_email == coach_email)


def approve_as_coach(a_round, coach_email: str) -> None:
    """The coach asked to vouch for the round's rater list approves it as it is now."""
    approval.approve(a_round, share_for(a_round, coach_email), approval.list_fingerprint(a_round))


def without_csrf(html: str) -> str:
    """A page's HTML with its CSRF tokens blanked, so two renders can be compared."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', 'name="csrf_token"', html)
