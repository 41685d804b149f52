"""Deleting a round or a whole account leaves no trace: every table, and the SQLite files."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360 import storage
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Round
from feedback360.models import User
from feedback360.rounds import services as round_services
from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import drop_app
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import make_app
from tests.helpers import submit_via_token

Q = questionnaire.load()
MARKER = "quokka-zebra-4711"
# Every table a round fills; a round built by `full_round` must add rows to each of them.
ROUND_TABLES = {
    "rounds",
    "self_ratings",
    "invitations",
    "open_links",
    "open_link_hours",
    "responses",
    "answers",
    "comments",
    "coach_shares",
    "outbox",
}
# spent_tokens: kept only while a maximum-anonymity round is open; closing it empties them.
OPEN_MAX_ANONYMITY_TABLES = ROUND_TABLES | {"spent_tokens"}
# report_files: a closed round's PDF copies, asked for once its results are ready.
ROUND_TABLES = ROUND_TABLES | {"report_files"}


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def full_round(
    leader: User, title: str = "Doomed round", close: bool = True, max_anonymity: bool = False
) -> Round:
    """A round with rows in every table a round can fill, and MARKER in its text."""
    a_round = round_services.create_round(
        leader,
        title=title,
        why=f"To test that {MARKER} is forgotten.",
        success_measures=f"Nobody can read {MARKER} afterwards.",
        platforms=["Mastodon"],
        closes_on=date.today() + timedelta(days=7),
        anonymity_threshold=3,
        max_anonymity=max_anonymity,
    )
    round_services.save_self_assessment(a_round, answer_all(Q, 4))
    tokens = invite(a_round, "\n".join(f"staff{i}@example.org, staff" for i in range(4)))
    round_services.share_with_coach(a_round, "coach@example.com")
    round_services.open_round(a_round)
    link = round_services.ensure_open_link(a_round, "follower")
    open_token = round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    comments = {"keep": f"Keep the {MARKER} thread", Q.dimensions[0].id: f"{MARKER} on Mastodon"}
    for email in sorted(tokens)[:3]:
        submit_via_token(tokens[email], answer_all(Q, 3), comments)
    submit_via_token(open_token, answer_all(Q, 5), comments)
    if close:
        round_services.close_round(a_round)
    return a_round


def confirm_delete(client, round_id: int, **data):
    return client.post(f"/rounds/{round_id}/delete", data=data)


@pytest.mark.parametrize("max_anonymity", [False, True])
def test_deleting_a_round_removes_every_row_of_it_and_nothing_else(
    app, client, other_leader, max_anonymity
):
    # A maximum-anonymity round keeps spent links only while open, so that one stays open.
    kind = {"max_anonymity": max_anonymity, "close": not max_anonymity}
    theirs = full_round(other_leader, "Otto's round", **kind)
    leader = add_user("leader@example.com", "Lee Leader")
    before = table_counts()
    doomed = full_round(leader, **kind)
    during = table_counts()
    tables = OPEN_MAX_ANONYMITY_TABLES if max_anonymity else ROUND_TABLES
    assert {name for name in during if during[name] > before[name]} == tables
    round_id, their_id = doomed.id, theirs.id
    db.session.remove()

    login(client, "leader@example.com")
    reply = confirm_delete(client, round_id, confirm="y")
    assert reply.status_code == 302 and reply.headers["Location"] == "/"
    assert table_counts() == before
    assert db.session.get(Round, their_id).title == "Otto's round"
    dashboard = client.get("/")
    assert "“Doomed round” is deleted" in dashboard.text
    assert client.get(f"/rounds/{round_id}").status_code == 404


def test_the_confirmation_page_asks_and_an_unticked_box_deletes_nothing(app, client, leader):
    a_round = full_round(leader, close=False)
    round_id = a_round.id
    login(client, "leader@example.com")
    assert f'href="/rounds/{round_id}/delete"' in client.get(f"/rounds/{round_id}").text
    page = client.get(f"/rounds/{round_id}/delete")
    assert page.status_code == 200
    assert "Delete “Doomed round”?" in page.text and "cannot be undone" in page.text
    assert "every response received so far" in page.text and "4 invitations" in page.text
    assert "4 responses" not in page.text, "open: a total would give a small group away"
    for refused in (confirm_delete(client, round_id), confirm_delete(client, round_id, confirm="")):
        assert refused.status_code == 200
        assert "Tick the box to confirm" in refused.text
    db.session.expire_all()
    assert db.session.get(Round, round_id) is not None


def test_an_open_rounds_links_stop_working_once_deleted(app, client, leader):
    a_round = round_services.create_round(
        leader, title="Open one", platforms=[], anonymity_threshold=3
    )
    tokens = invite(a_round, "reader@example.org, follower")
    round_services.open_round(a_round)
    round_id = a_round.id
    login(client, "leader@example.com")
    assert confirm_delete(client, round_id, confirm="y").status_code == 302
    assert client.get(f"/s/{tokens['reader@example.org']}").status_code == 404


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def csrf_login(client, email: str) -> None:
    token = form_token(client.get("/login").text)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_deleting_a_round_needs_the_csrf_token(csrf_app, leader):
    a_round = round_services.create_round(leader, title="Kept", platforms=[], anonymity_threshold=3)
    round_id = a_round.id
    client = csrf_app.test_client()
    csrf_login(client, leader.email)
    assert confirm_delete(client, round_id, confirm="y").status_code == 400
    assert db.session.get(Round, round_id) is not None
    token = form_token(client.get(f"/rounds/{round_id}/delete").text)
    assert confirm_delete(client, round_id, confirm="y", csrf_token=token).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, round_id) is None


def sqlite_bytes(path) -> bytes:
    """The database file and its write-ahead log, as they lie on the disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def file_app(tmp_path):
    """SQLite only: these tests read the database file itself."""
    app = make_app(f"sqlite:///{tmp_path / 'file.sqlite'}", tmp_path)
    yield app, tmp_path / "file.sqlite"
    drop_app(app)


def test_deleted_text_is_not_left_in_the_sqlite_files(file_app):
    app, path = file_app
    with app.app_context():
        round_id = full_round(add_user("leader@example.com")).id
        db.session.remove()
    assert MARKER.encode() in sqlite_bytes(path), "the test must see the text before deleting"
    client = app.test_client()
    login(client, "leader@example.com")
    assert confirm_delete(client, round_id, confirm="y").status_code == 302
    assert MARKER.encode() not in sqlite_bytes(path)


def test_without_the_checkpoint_the_wal_would_still_hold_the_text(file_app, monkeypatch):
    """Why the checkpoint is there: secure_delete alone leaves the old pages in the WAL."""
    monkeypatch.setattr(storage, "forget_deleted_pages", lambda engine: True)
    app, path = file_app
    with app.app_context():
        round_id = full_round(add_user("leader@example.com")).id
        db.session.remove()
    client = app.test_client()
    login(client, "leader@example.com")
    assert confirm_delete(client, round_id, confirm="y").status_code == 302
    assert MARKER.encode() in sqlite_bytes(path)


def test_a_reader_holds_the_checkpoint_back_only_briefly(file_app):
    """A reader on an older snapshot keeps the WAL from being truncated; the checkpoint gives up
    after a moment (it holds back every writer meanwhile), the connection's usual busy timeout
    comes back, and the sender loop runs the checkpoint once the reader is gone."""
    app, path = file_app
    with app.app_context():
        add_user("leader@example.com")
        reader = sqlite3.connect(path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM users").fetchone()  # holds this snapshot
            add_user("second@example.com")  # a newer commit the reader does not see
            assert storage.forget_deleted_pages(db.engine) is False
            assert storage.retry_pending_checkpoint(db.engine) is False, "still held back"
        finally:
            reader.close()
        marker = path.with_name(path.name + ".checkpoint-pending")
        assert marker.exists(), "the owed checkpoint is written down"
        assert round_services.run_schedule() == {"closed": 0, "reminders": 0}
        assert not marker.exists(), "the sender loop ran it once the reader was gone"
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


# --- Accounts ---------------------------------------------------------------------------------


def delete_account(client, password: str = PASSWORD):
    return client.post("/account/delete", data={"password": password})


def test_the_account_page_shows_who_you_are_and_is_in_the_nav(app, client, leader):
    login(client, leader.email)
    assert 'href="/account"' in client.get("/").text
    page = client.get("/account")
    assert page.status_code == 200
    assert "Lee Leader" in page.text and "leader@example.com" in page.text
    assert "Delete my account" in page.text


def test_deleting_the_account_removes_it_and_everything_it_led(app, client, other_leader):
    # Another leader's round shared with this user: it stays theirs, share included.
    theirs = full_round(other_leader, "Otto's round")
    round_services.share_with_coach(theirs, "leader@example.com")
    theirs.shares[-1].debrief_note = f"My notes as coach: {MARKER}"
    db.session.commit()
    their_id = theirs.id
    before = table_counts()
    leader = add_user("leader@example.com", "Lee Leader")
    full_round(leader)
    round_services.create_round(leader, title="A draft", platforms=[], anonymity_threshold=3)
    db.session.remove()

    login(client, "leader@example.com")
    reply = delete_account(client)
    assert reply.status_code == 302 and reply.headers["Location"] == "/login"
    assert table_counts() == before
    assert db.session.get(Round, their_id) is not None
    share = db.session.scalar(
        select(CoachShare).where(CoachShare.coach_email == "leader@example.com")
    )
    assert share.debrief_note == "", "the shared round stays; the deleted coach's notes do not"
    login_page = client.get("/login")
    assert "Your account is deleted" in login_page.text
    assert client.get("/account").status_code == 302, "logged out"
    again = login(client, "leader@example.com")
    assert again.status_code == 200 and "Wrong email or password" in again.text


def test_a_wrong_or_missing_password_deletes_nothing(app, client, leader, draft_round):
    login(client, leader.email)
    for password in ("not my password", ""):
        reply = delete_account(client, password)
        assert reply.status_code == 200
        assert "Nothing was deleted" in reply.text or "Enter your password" in reply.text
    db.session.expire_all()
    assert db.session.get(User, leader.id) is not None
    assert db.session.get(Round, draft_round.id) is not None
    assert client.get("/account").status_code == 200, "still logged in"


def test_deleting_the_account_needs_the_csrf_token(csrf_app, leader):
    user_id = leader.id
    client = csrf_app.test_client()
    csrf_login(client, leader.email)
    assert delete_account(client).status_code == 400
    assert db.session.get(User, user_id) is not None
    token = form_token(client.get("/account").text)
    reply = client.post("/account/delete", data={"password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id) is None


def test_deleted_account_text_is_not_left_in_the_sqlite_files(file_app):
    app, path = file_app
    with app.app_context():
        full_round(add_user("leader@example.com"))
        db.session.remove()
    client = app.test_client()
    login(client, "leader@example.com")
    assert delete_account(client).status_code == 302
    assert MARKER.encode() not in sqlite_bytes(path)
    assert b"leader@example.com" not in sqlite_bytes(path)
