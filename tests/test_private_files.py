"""Files the app writes are readable by their owner only, whatever the umask.

The SQLite database and its write-ahead log hold every answer, the secret key turns a copy of
the database into working links, and the mail folder holds survey links.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

import pytest

from feedback360 import create_app
from feedback360.auth.services import request_password_reset
from feedback360.demo import seed_demo
from feedback360.extensions import db
from tests.helpers import add_user
from tests.helpers import drop_app

UMASKS = [0o022, 0o000]


@contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def loose_modes(*roots: Path) -> dict[str, str]:
    """Every file and folder under `roots` (themselves included) that is not owner-only."""
    found = {}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            wanted = 0o700 if path.is_dir() else 0o600
            if mode != wanted:
                found[str(path)] = oct(mode)
    return found


@pytest.mark.parametrize("mask", UMASKS)
def test_database_wal_key_mail_backup_and_report_are_owner_only(tmp_path, mask):
    """As deployed: the default SQLite database in instance/, a generated key, mail to files."""
    instance = tmp_path / "instance"
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    with umask(mask):
        app = create_app({"TESTING": True, "INSTANCE_PATH": instance})
        try:
            with app.app_context():
                db.create_all()
                demo_round_id = seed_demo(respondents=4).id
                add_user("someone@example.org")
                request_password_reset("someone@example.org")  # one mail to write
                db.session.commit()
                files = sorted(p.name for p in instance.iterdir())
                # The pooled connection holds the WAL and its index open: both exist now.
                assert {"feedback360.sqlite-wal", "feedback360.sqlite-shm"} <= set(files), files
                assert "secret_key" in files
                runner = app.test_cli_runner()
                sent = runner.invoke(args=["send-mail"])
                assert sent.exit_code == 0, sent.output
                assert list((instance / "outbox").glob("*.eml")), "mail went to files"
                for args in (
                    ["backup", str(backups / "copy.sqlite")],
                    ["report", str(demo_round_id), "-o", str(backups / "report.pdf")],
                ):
                    result = runner.invoke(args=args)
                    assert result.exit_code == 0, result.output
                assert loose_modes(instance) == {}
                assert loose_modes(*backups.iterdir()) == {}
        finally:
            drop_app(app)


@pytest.mark.parametrize("mask", UMASKS)
def test_mail_written_to_files_is_owner_only_on_either_database(app, open_round, mask):
    with umask(mask):
        result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    outbox = Path(app.instance_path) / "outbox"
    assert len(list(outbox.glob("*.eml"))) == len(open_round.tokens)
    assert loose_modes(outbox) == {}


def test_an_existing_instance_and_database_made_readable_by_others_are_tightened(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = instance / "feedback360.sqlite"
    for path in (database, instance / "feedback360.sqlite-wal"):
        path.touch()
        path.chmod(0o644)
    (instance / "secret_key").write_text("k" * 64)
    (instance / "secret_key").chmod(0o600)
    with umask(0o022):
        app = create_app({"TESTING": True, "INSTANCE_PATH": instance})
    try:
        with app.app_context():
            db.create_all()
            add_user("someone@example.org")
        assert loose_modes(instance) == {}
    finally:
        drop_app(app)
