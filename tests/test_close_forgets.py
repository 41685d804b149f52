"""Closing forgets who answered and who declined, and results wait until no file of the
database still pairs an invitee with a response (issue 13, leak 4)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token
from tests.test_cli import run_cli
from tests.test_mail import deliver_all
from tests.test_mail import smtp  # noqa: F401 (a fixture)
from tests.test_migrations import add_leader_and_round
from tests.test_migrations import empty_app  # noqa: F401 (a fixture)
from tests.test_migrations import fresh_postgres_url  # noqa: F401 (a fixture)
from tests.test_migrations import keep_logging  # noqa: F401 (a fixture)
from tests.test_migrations import schema_differences

Q = questionnaire.load()
BEFORE = "b5c1d2e3f4a6"
PEOPLE = (
    [f"follower{i}@example.org, follower" for i in range(4)]
    + ["staff0@example.org, staff"]
    + [f"colleague{i}@example.org, colleague" for i in range(2)]
)


def flagged() -> int:
    return db.session.scalar(
        select(func.count()).where(or_(Invitation.answered, Invitation.declined))
    )


def invitation(email: str) -> Invitation:
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def answered_round(leader):
    """Open: followers answer (3) and decline (1), the lone staff member answers, a colleague
    declines; a new link for the follower who declined is queued (and withheld)."""
    a_round = round_services.create_round(
        leader, title="Forget", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    a_round.tokens = invite(a_round, "\n".join(PEOPLE))
    round_services.open_round(a_round)
    deliver_all()
    for email in ("follower0", "follower1", "follower2", "staff0"):
        submit_via_token(a_round.tokens[f"{email}@example.org"], answer_all(Q, 4))
    for email in ("follower3", "colleague0"):
        round_services.decline(invitation(f"{email}@example.org"))
    round_services.new_invitation_link(invitation("follower3@example.org"))
    assert deliver_all().withheld == 1
    return a_round


def counts_on_page(client, round_id: int) -> tuple[str, str]:
    page = client.get(f"/rounds/{round_id}").text
    table = page.split('id="progress"')[1].split("</table>")[0]
    # What closing now would do is said only while the round is open; the counts must not move.
    table = re.sub(r' <span class="warn">[^<]*</span>', "", table)
    return table, re.search(r"Email: [^<]*", page)[0]


def test_closing_forgets_who_answered_and_declined_and_keeps_the_counts(
    client,
    leader,
    smtp,  # noqa: F811
):
    a_round = answered_round(leader)
    assert flagged() == 6, "the test must see the flags before closing"
    login(client, "leader@example.com")
    table, mail = counts_on_page(client, a_round.id)
    assert "<td>4</td><td>3</td><td>75%</td><td>1</td>" in table, "followers, before"
    assert "Other groups combined" in table
    assert mail.startswith("Email: 8 sent"), "7 invitations and the withheld new link"
    client.post(f"/rounds/{a_round.id}/close")
    db.session.expire_all()
    assert flagged() == 0, "no invitation of the round says who answered or declined"
    rows = db.session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all()
    assert rows == [], "no invitation mail left, withheld (declined) or sent"
    assert counts_on_page(client, a_round.id) == (table, mail), "the same counts, kept"
    results = client.get(f"/rounds/{a_round.id}/results")
    assert results.status_code == 200 and "Results are being prepared" not in results.text
    assert "3 responses in these results" in results.text, "the lone staff member is left out"
    # A click on the decline link after close records nothing: no more mail goes out anyway.
    token = a_round.tokens["follower0@example.org"]
    assert client.post(f"/s/{token}/decline").status_code == 200
    db.session.expire_all()
    assert flagged() == 0


UNREADABLE_KEPT_COUNTS = [
    None,
    {},
    [],
    "lines",
    {"threshold": 3, "lines": [{"group": "follower"}], "combined": [], "hidden": []},
    {"threshold": 3, "lines": None, "combined": [], "hidden": [], "mail_sent": "8"},
    {
        "threshold": 3,
        "lines": [
            {
                "group": "follower",
                "groups": ["follower"],
                "invited": "4",
                "answered": 3,
                "declined": 1,
                "responses": 3,
            }
        ],
        "combined": [],
        "hidden": [],
    },
]


@pytest.mark.parametrize("kept", UNREADABLE_KEPT_COUNTS, ids=repr)
def test_a_closed_round_whose_kept_counts_are_unreadable_still_shows_its_pages(
    client,
    leader,
    smtp,  # noqa: F811
    kept,
):
    """Counts kept at close that were edited or damaged: the leader's pages say so, no 500,
    and no line is made up from the invitations, which have forgotten."""
    a_round = answered_round(leader)
    login(client, "leader@example.com")
    client.post(f"/rounds/{a_round.id}/close")
    db.session.expire_all()
    a_round = db.session.get(Round, a_round.id)
    a_round.progress_at_close = kept
    db.session.commit()
    page = client.get(f"/rounds/{a_round.id}")
    assert page.status_code == 200
    assert "cannot be read" in page.text
    table = page.text.split('id="progress"')[1].split("</section>")[0]
    assert "Followers" not in table and "<td>" not in table
    assert round_services.mail_status(a_round).sent == 0, "no made-up count either"
    for path in ("results", "delete"):
        assert client.get(f"/rounds/{a_round.id}/{path}").status_code == 200


def database_files(database: Path) -> bytes:
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_copy_of_the_sqlite_files_after_close_pairs_nobody(leader, tmp_path, smtp):  # noqa: F811
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the files are SQLite's")
    database = Path(db.engine.url.database)
    a_round = answered_round(leader)
    staff = b"staff0@example.org"
    assert database_files(database).count(staff) > 2, "older copies of its row, before close"
    round_services.close_round(a_round)
    # The invitation row and its entry in the unique (round, email) index; nothing older.
    assert database_files(database).count(staff) == 2
    copy = tmp_path / "copy.sqlite"
    for suffix in ("", "-wal"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            shutil.copy(source, copy.with_name(copy.name + suffix))
    with closing(sqlite3.connect(copy)) as conn:
        flags = conn.execute("SELECT count(*) FROM invitations WHERE answered OR declined")
        assert flags.fetchone() == (0,)
        withheld = conn.execute("SELECT count(*) FROM outbox WHERE status = 'withheld'")
        assert withheld.fetchone() == (0,)


def test_results_wait_while_a_reader_holds_the_checkpoint_back(
    app,
    client,
    leader,
    smtp,  # noqa: F811
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL is SQLite's")
    database = Path(db.engine.url.database)
    a_round = answered_round(leader)
    login(client, "leader@example.com")
    reader = sqlite3.connect(database)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchone()  # a snapshot, held
        client.post(f"/rounds/{a_round.id}/close")
        db.session.expire_all()
        assert db.session.get(Round, a_round.id).status == "closed"
        assert not db.session.get(Round, a_round.id).results_ready
        assert database_files(database).count(b"staff0@example.org") > 2, "still in the WAL"
        page = client.get(f"/rounds/{a_round.id}/results")
        assert page.status_code == 200
        assert "Results are being prepared" in page.text
        assert "responses in these results" not in page.text
        for path in ("report.pdf", "export.csv", "export.json"):
            reply = client.get(f"/rounds/{a_round.id}/{path}")
            assert reply.status_code == 409 and "Results are being prepared" in reply.text
        refused = run_cli(app, "report", str(a_round.id), "-o", str(database.parent / "r.pdf"))
        assert refused.exit_code != 0 and "Results are being prepared" in refused.output
    finally:
        reader.close()
    page = client.get(f"/rounds/{a_round.id}/results")
    assert "Results are being prepared" not in page.text
    assert "3 responses in these results" in page.text
    assert database_files(database).count(b"staff0@example.org") == 2
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_the_sender_settles_a_held_back_close(leader, smtp):  # noqa: F811
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL is SQLite's")
    a_round = answered_round(leader)
    with closing(sqlite3.connect(db.engine.url.database)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchone()
        round_services.close_round(a_round)
        round_services.run_schedule()
        db.session.expire_all()
        assert not db.session.get(Round, a_round.id).results_ready
    round_services.run_schedule()
    db.session.expire_all()
    assert db.session.get(Round, a_round.id).results_ready


def test_postgresql_results_are_ready_at_close(leader, smtp):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("no WAL of ours to wait for")
    a_round = answered_round(leader)
    round_services.close_round(a_round)
    db.session.expire_all()
    assert db.session.get(Round, a_round.id).results_ready and flagged() == 0


def test_the_migration_forgets_for_rounds_closed_before_and_goes_back(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            add_leader_and_round(conn)  # round 1, open
            conn.exec_driver_sql(
                "INSERT INTO rounds (id, leader_id, title, why, success_measures, platforms, "
                "questionnaire_version, anonymity_threshold, status, auto_reminder_sent, "
                "created_at) VALUES (2, 1, 'Closed', '', '', '[]', '2026.1', 3, 'closed', false, "
                "'2026-01-01 00:00:00')"
            )
            people = [(1, "staff", False, False), (1, "staff", False, False)]
            people += [(2, "staff", True, False), (2, "follower", True, False)]
            people += [(2, "follower", False, True), (2, "follower", True, False)]
            for n, (round_id, group, answered, declined) in enumerate(people):
                conn.exec_driver_sql(
                    "INSERT INTO invitations (round_id, email, rater_group, token_hash, answered, "
                    f"declined, emailed, created_at) VALUES ({round_id}, 'p{n}@example.org', "
                    f"'{group}', 'h{n}', {answered}, {declined}, true, '2026-01-01 00:00:00')"
                )
            conn.exec_driver_sql(
                "INSERT INTO outbox (kind, to_address, round_id, status, attempts, "
                "next_attempt_at, created_at) VALUES ('invitation', 'p4@example.org', 2, "
                "'withheld', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, pooled_groups, progress_at_close, results_ready FROM rounds ORDER BY id"
            ).all()
            flags = conn.exec_driver_sql(
                "SELECT count(*) FROM invitations WHERE round_id = 2 AND (answered OR declined)"
            ).scalar()
            outbox = conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar()
        load = lambda value: json.loads(value) if isinstance(value, str) else value  # noqa: E731
        (_, open_pool, open_kept, _), (_, closed_pool, kept, ready) = rows
        assert load(open_pool) == ["staff"] and open_kept is None
        kept = load(kept)
        assert load(closed_pool) == ["staff"] and not ready
        followers = next(line for line in kept["lines"] if line["group"] == "follower")
        assert (followers["invited"], followers["answered"], followers["declined"]) == (3, 2, 1)
        assert kept["hidden"] == ["staff"] and kept["mail_sent"] == 1
        assert "staff" not in {line["group"] for line in kept["lines"]}
        assert flags == 0 and outbox == 0
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = conn.exec_driver_sql("SELECT * FROM rounds").keys()
            assert "progress_at_close" not in columns and "pooled_groups" not in columns
        flask_migrate.upgrade()
    assert schema_differences(empty_app) == []
