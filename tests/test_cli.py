"""The command line: `flask --app feedback360 demo | rounds | report | backup | restore`."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func
from sqlalchemy import make_url
from sqlalchemy import select

from feedback360 import MIGRATIONS_DIR
from feedback360 import create_app
from feedback360 import demo as demo_data
from feedback360.config import normalise_database_url
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Response
from feedback360.models import Round
from feedback360.models import SelfRating
from feedback360.models import User
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from tests.helpers import drop_app
from tests.helpers import make_app


def run_cli(app, *args: str):
    """Run a command as `flask --app feedback360 ...` does; each command brings its app context."""
    return app.test_cli_runner().invoke(args=list(args))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def responses_in(round_ids) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Response).where(Response.round_id.in_(round_ids))
    )


def invitations_in(round_ids) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.round_id.in_(round_ids))
    )


def test_demo_seeds_once_on_both_databases(app):
    """The one test that seeds through the CLI on SQLite and PostgreSQL."""
    result = run_cli(app, "demo", "--respondents", "8", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "created with 8 responses" in result.output
    assert demo_data.COACH_PASSWORD in result.output
    with app.app_context():
        assert {u.email for u in db.session.scalars(select(User))} == {
            demo_data.LEADER_EMAIL,
            demo_data.COACH_EMAIL,
        }
        earlier, a_round = db.session.scalars(
            select(Round).where(Round.kind == "full").order_by(Round.opened_on)
        )
        assert count(Round) == 3, "the demo round, an earlier one for the trend, its follow-up"
        pulse = a_round.pulse
        assert pulse.status == "closed" and pulse.opened_on > a_round.closed_on
        assert earlier.closed_on < a_round.opened_on
        assert {r.status for r in (earlier, a_round)} == {"closed"}
        assert a_round.leader.email == demo_data.LEADER_EMAIL == earlier.leader.email
        assert earlier.questionnaire_version == a_round.questionnaire_version
        assert len(a_round.invitations) == 8 and len(earlier.invitations) == 6
        full = [earlier.id, a_round.id]
        assert responses_in(full) == invitations_in(full) == 14
        assert len(pulse.invitations) == 8, "the follow-up asks everyone the round asked"
        assert not any(inv.answered for inv in a_round.invitations), "forgotten at close"
        answered = [line["answered"] for line in a_round.progress_at_close["lines"]]
        assert sum(answered) == 8, "every invitation answered, as counted at close"
        assert count(OutboxMessage) == 0, "no email to synthetic people"
        assert count(SelfRating) > 0
        shares = db.session.scalars(select(CoachShare)).all()
        assert {(s.round_id, s.coach_email) for s in shares} == {
            (earlier.id, demo_data.COACH_EMAIL),
            (a_round.id, demo_data.COACH_EMAIL),
        }, "both rounds, so the coach sees the trend"

    again = run_cli(app, "demo", "--respondents", "8", "--if-empty")
    assert again.exit_code == 0, again.output
    assert "already has accounts" in again.output
    with app.app_context():
        assert (count(User), count(Round), responses_in(full)) == (2, 3, 14)


@pytest.fixture
def demo_round_id(sqlite_app) -> int:
    with sqlite_app.app_context():
        return demo_data.seed_demo(respondents=6).id


def test_the_demo_report_shows_its_groups_on_their_own(sqlite_app):
    """The demo invites everyone in one paste, as a leader should: people invited one at a time
    while a round is open pass through groups of one and two, which are then counted only
    together for the rest of the round, on the page and in the report."""
    with sqlite_app.app_context():
        a_round = demo_data.seed_demo(respondents=25)
        units = {unit.id for unit in report_data(a_round).results.visibility.units}
        assert {"follower", "colleague", "staff"} <= units
        assert set(a_round.pooled_groups) <= {"other"}


def test_rounds_prints_one_line_per_round_starting_with_its_id(sqlite_app, demo_round_id):
    with sqlite_app.app_context():
        leader = db.session.scalar(select(User).where(User.email == demo_data.LEADER_EMAIL))
        draft = round_services.create_round(
            leader, title="A draft round", platforms=[], anonymity_threshold=3
        )
        draft_id = draft.id
    result = run_cli(sqlite_app, "rounds")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4  # the demo's earlier round, the demo round, its follow-up, the draft
    # The report's count: 6 answered, but groups too small to show are not counted anywhere.
    with sqlite_app.app_context():
        reported = round_services.reported_response_total(db.session.get(Round, demo_round_id))
    assert 0 < reported <= 6
    assert lines[1].split("\t")[:3] == [str(demo_round_id), "closed", f"{reported} responses"]
    assert lines[3].split("\t")[:3] == [str(draft_id), "draft", "0 responses"]
    assert lines[3].endswith("A draft round")


def test_rounds_prints_nothing_without_rounds(sqlite_app):
    result = run_cli(sqlite_app, "rounds")
    assert result.exit_code == 0
    assert result.output == ""


@pytest.mark.pdf
def test_report_writes_the_pdf_of_a_closed_round(sqlite_app, demo_round_id, tmp_path):
    output = tmp_path / "report.pdf"
    result = run_cli(sqlite_app, "report", str(demo_round_id), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert f"Wrote {output}" in result.output
    assert output.read_bytes().startswith(b"%PDF-")


def test_report_refuses_an_open_round(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        leader = User(email="l@example.com", name="L", password_hash="x")
        a_round = round_services.create_round(
            leader, title="Still open", platforms=[], anonymity_threshold=3
        )
        round_services.open_round(a_round)
        round_id = a_round.id
    output = tmp_path / "report.pdf"
    result = run_cli(sqlite_app, "report", str(round_id), "-o", str(output))
    assert result.exit_code != 0
    assert "once the round is closed" in result.output
    assert not output.exists()


def test_report_refuses_a_missing_round(sqlite_app, tmp_path):
    output = tmp_path / "report.pdf"
    result = run_cli(sqlite_app, "report", "4242", "-o", str(output))
    assert result.exit_code != 0
    assert "No round with id 4242." in result.output
    assert not output.exists()


def test_report_needs_an_output_file(sqlite_app):
    result = run_cli(sqlite_app, "report", "1")
    assert result.exit_code == 2
    assert "--output" in result.output


@pytest.mark.parametrize("round_id", ["0", "-1", "2147483648", "99999999999999999999"])
def test_report_refuses_an_id_no_round_can_have(sqlite_app, tmp_path, round_id):
    result = run_cli(sqlite_app, "report", "--", round_id, "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    assert "Invalid value for 'ROUND_ID'" in result.output


@pytest.mark.pdf
def test_report_into_a_missing_folder_says_so(sqlite_app, demo_round_id, tmp_path):
    output = tmp_path / "no such folder" / "report.pdf"
    result = run_cli(sqlite_app, "report", str(demo_round_id), "-o", str(output))
    assert result.exit_code == 1
    assert f"Cannot write {output}: No such file or directory." in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--interval", "-1"), ("--interval", "nan"), ("--interval", "inf"), ("--batch", "0")],
)
def test_send_mail_refuses_a_negative_interval_or_an_empty_batch(sqlite_app, option, value):
    result = run_cli(sqlite_app, "send-mail", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output


def test_a_round_past_its_closing_date_counts_as_closed(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        leader = User(email="l@example.com", name="L", password_hash="x")
        a_round = round_services.create_round(
            leader, title="Ran out", platforms=[], anonymity_threshold=3
        )
        round_services.open_round(a_round)
        a_round.closes_on = date.today() - timedelta(days=1)
        db.session.commit()
        round_id = a_round.id
    listing = run_cli(sqlite_app, "rounds")
    assert listing.output.split("\t")[1] == "closed"
    result = run_cli(sqlite_app, "report", str(round_id), "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 0, result.output


# --- Backup and restore -----------------------------------------------------------------------


def db_file(app) -> Path:
    return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def stamp(path: Path, revision: str) -> None:
    """Record a schema revision as `flask db upgrade` would; the test apps use create_all."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"
        )
        connection.execute("DELETE FROM alembic_version")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        connection.commit()


def rows_in(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_backup_copies_committed_data_while_another_connection_writes(
    sqlite_app, demo_round_id, tmp_path
):
    database = db_file(sqlite_app)
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO users (email, name, password_hash, created_at) "
        "VALUES ('uncommitted@example.com', 'U', 'x', '2026-01-01 00:00:00')"
    )
    copy = tmp_path / "backup.sqlite"
    try:
        result = run_cli(sqlite_app, "backup", str(copy))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    assert f"Backed up {database} to {copy}." in result.output
    for table in ("users", "rounds", "responses", "answers", "invitations", "self_ratings"):
        assert rows_in(copy, table) == rows_in(database, table) > 0, table
    with closing(sqlite3.connect(copy)) as connection:
        emails = {email for (email,) in connection.execute("SELECT email FROM users")}
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "uncommitted@example.com" not in emails and demo_data.LEADER_EMAIL in emails
    assert copy.stat().st_mode & 0o777 == 0o600, "it holds every answer"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == [
        "backup.sqlite"
    ], "one self-contained file, no -wal beside it"


def test_backup_does_not_overwrite_a_file_unless_forced(sqlite_app, demo_round_id, tmp_path):
    copy = tmp_path / "backup.sqlite"
    copy.write_text("precious")
    refused = run_cli(sqlite_app, "backup", str(copy))
    assert refused.exit_code == 1
    assert "exists already; add --force" in refused.output
    assert copy.read_text() == "precious"
    forced = run_cli(sqlite_app, "backup", str(copy), "--force")
    assert forced.exit_code == 0, forced.output
    assert rows_in(copy, "rounds") == 3  # the demo: two rounds and a follow-up


def test_backup_never_replaces_what_is_not_a_file(sqlite_app, demo_round_id, tmp_path):
    """--force replaces an old backup; a pipe, a device or a folder under that name stays."""
    pipe = tmp_path / "backup.sqlite"
    os.mkfifo(pipe)
    result = run_cli(sqlite_app, "backup", str(pipe), "--force")
    assert result.exit_code == 1
    assert "exists and is not a file" in result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)


@pytest.mark.parametrize("obstacle", ["a folder where its partial copy goes", "a long name"])
def test_backup_that_cannot_be_written_says_why(sqlite_app, demo_round_id, tmp_path, obstacle):
    if obstacle == "a long name":
        copy = tmp_path / ("b" * 250)  # fits, but its partial copy's name does not
    else:
        copy = tmp_path / "backup.sqlite"
        (tmp_path / ".backup.sqlite.partial").mkdir()
    result = run_cli(sqlite_app, "backup", str(copy))
    assert result.exit_code == 1
    assert "Cannot write the backup next to" in result.output
    assert "Traceback" not in result.output
    assert not copy.exists()


def test_restore_round_trips_a_backup(sqlite_app, demo_round_id, tmp_path):
    database = db_file(sqlite_app)
    stamp(database, HEAD)
    copy = tmp_path / "backup.sqlite"
    assert run_cli(sqlite_app, "backup", str(copy)).exit_code == 0
    with sqlite_app.app_context():
        round_services.delete_round(db.session.get(Round, demo_round_id))
        assert count(Round) == 1

    unconfirmed = run_cli(sqlite_app, "restore", str(copy))
    assert unconfirmed.exit_code == 1
    assert "run the command again with --yes" in unconfirmed.output
    assert rows_in(database, "rounds") == 1

    restored = run_cli(sqlite_app, "restore", str(copy), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"schema is at revision {HEAD}" in restored.output
    assert "That is the current schema." in restored.output
    with sqlite_app.app_context():
        assert db.session.get(Round, demo_round_id).status == "closed"
        assert count(Round) == 3 and count(Response) == rows_in(copy, "responses") > 0


def test_restore_into_what_sqlite_cannot_open_says_so(sqlite_app, demo_round_id, tmp_path):
    """Not "open in another process": that is for a database the app still holds."""
    stamp(db_file(sqlite_app), HEAD)
    copy = tmp_path / "backup.sqlite"
    assert run_cli(sqlite_app, "backup", str(copy)).exit_code == 0
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    elsewhere = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "elsewhere",
            "SECRET_KEY": "x" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}",
        }
    )
    result = run_cli(elsewhere, "restore", str(copy), "--yes")
    assert result.exit_code == 1
    assert f"Cannot open {folder} to replace it" in result.output
    assert "another process" not in result.output


def test_restore_of_an_older_schema_says_to_upgrade(sqlite_app, demo_round_id, tmp_path):
    older = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(HEAD).down_revision
    copy = tmp_path / "backup.sqlite"
    assert run_cli(sqlite_app, "backup", str(copy)).exit_code == 0
    stamp(copy, older)
    result = run_cli(sqlite_app, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert f"revision {older}" in result.output
    assert "flask --app feedback360 db upgrade" in result.output


def test_restore_refuses_while_another_process_has_the_database_open(
    sqlite_app, demo_round_id, tmp_path
):
    database = db_file(sqlite_app)
    stamp(database, HEAD)
    copy = tmp_path / "backup.sqlite"
    assert run_cli(sqlite_app, "backup", str(copy)).exit_code == 0
    before = database.read_bytes()
    with closing(sqlite3.connect(database)) as running_app:  # an idle connection, as the app's
        running_app.execute("SELECT count(*) FROM rounds").fetchone()
        refused = run_cli(sqlite_app, "restore", str(copy), "--yes")
        assert refused.exit_code == 1
        assert "is open in another process" in refused.output
        assert "nothing was changed" in refused.output
        assert database.read_bytes() == before
    assert run_cli(sqlite_app, "restore", str(copy), "--yes").exit_code == 0


@pytest.mark.parametrize(
    "kind, message",
    [
        ("text", "is not a SQLite database"),
        ("no schema version", "not a feedback360 one"),
        ("unknown revision", "does not know"),
        ("missing", "There is no file"),
    ],
)
def test_restore_refuses_what_is_not_our_backup(sqlite_app, demo_round_id, tmp_path, kind, message):
    database = db_file(sqlite_app)
    before = database.read_bytes()
    candidate = tmp_path / "candidate.sqlite"
    if kind == "text":
        candidate.write_text("id,title\n1,hello\n")
    elif kind != "missing":
        with closing(sqlite3.connect(candidate)) as connection:
            connection.execute("CREATE TABLE things (id INTEGER)")
            connection.commit()
        if kind == "unknown revision":
            stamp(candidate, "ffffffffffff")
    result = run_cli(sqlite_app, "restore", str(candidate), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert database.read_bytes() == before


def test_backup_and_restore_on_postgresql_point_to_pg_dump(postgres_url, tmp_path):
    app = make_app(postgres_url, tmp_path)
    try:
        backup = run_cli(app, "backup", "out.dump")
        assert backup.exit_code == 1
        url = make_url(normalise_database_url(postgres_url))
        expected = f"pg_dump --format=custom --host={url.host}"
        assert expected in backup.output and f"--dbname={url.database}" in backup.output
        assert "--file=out.dump" in backup.output
        restore = run_cli(app, "restore", "out.dump", "--yes")
        assert restore.exit_code == 1 and "pg_restore" in restore.output
        assert not (tmp_path / "out.dump").exists()
    finally:
        drop_app(app)


def test_processes_starting_together_share_one_secret_key(tmp_path):
    """gunicorn and the mail sender may both create the key on a fresh instance."""
    import multiprocessing

    instance = tmp_path / "fresh"
    instance.mkdir()
    context = multiprocessing.get_context("spawn")
    barrier, keys = context.Barrier(8), context.Queue()
    processes = [
        context.Process(target=_read_key, args=(str(instance), barrier, keys)) for _ in range(8)
    ]
    for process in processes:
        process.start()
    found = [keys.get(timeout=20) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert len(set(found)) == 1 and len(found[0]) == 64, found
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600


def _read_key(instance: str, barrier, keys) -> None:
    from feedback360.config import instance_secret_key

    barrier.wait()  # all at once, after the slow imports
    keys.put(instance_secret_key(Path(instance)))
