"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from feedback360 import create_app
from feedback360.extensions import db
from feedback360.models import ACCOUNT_MAIL_KINDS
from feedback360.models import MAIL_KINDS
from feedback360.models import MAIL_STATUSES
from tests.helpers import postgres_schema


@pytest.fixture
def keep_logging():
    """migrations/env.py runs logging.config.fileConfig, which disables existing loggers."""
    manager = logging.root.manager
    disabled = {
        name: logger.disabled
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_level, root_handlers = logging.root.level, list(logging.root.handlers)
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    logging.root.setLevel(root_level)
    logging.root.handlers[:] = root_handlers


@pytest.fixture
def fresh_postgres_url():
    """A schema of its own: the shared test schema already has tables from create_all."""
    with postgres_schema("f360_migr") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path, keep_logging):
    """The app on an empty database: no create_all, the migrations must build everything."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key-at-least-32-bytes-long",
            "MIGRATIONS": True,
        }
    )
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def test_upgrade_builds_the_models_schema(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert tables == set(db.metadata.tables) | {"alembic_version"}
    assert schema_differences(empty_app) == []


def test_upgrade_twice_is_harmless(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.upgrade()
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context(), db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    assert len(heads) == 1
    assert schema_differences(empty_app) == []


def test_downgrade_to_base_and_back(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
    assert schema_differences(empty_app) == []


FIRST_REVISION = "3174035c7984"


def test_upgrade_keeps_existing_data(empty_app):
    """Rows written at the first revision survive every later migration, children included."""
    with empty_app.app_context():
        flask_migrate.upgrade(revision=FIRST_REVISION)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO users (id, email, name, password_hash, created_at) "
                "VALUES (1, 'l@example.com', 'L', 'x', '2026-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO rounds (id, leader_id, title, why, success_measures, platforms, "
                "questionnaire_version, anonymity_threshold, status, created_at) VALUES "
                "(1, 1, 'Kept', '', '', '[]', '2026.1', 3, 'closed', '2026-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO invitations (id, round_id, email, rater_group, token_hash, "
                "answered, created_at) VALUES (1, 1, 'a@example.org', 'staff', 'h', true, "
                "'2026-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO responses (id, round_id, rater_group) VALUES ('r1', 1, 'staff')"
            )
            conn.exec_driver_sql(
                "INSERT INTO answers (response_id, item_id, value) VALUES ('r1', 'purpose_1', 4)"
            )
            conn.exec_driver_sql(
                "INSERT INTO comments (id, response_id, key, text) VALUES ('c1', 'r1', 'keep', 'k')"
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            for table in ("users", "rounds", "invitations", "responses", "answers", "comments"):
                count = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                assert count == 1, table
            declined = conn.exec_driver_sql("SELECT declined FROM invitations").scalar()
            assert declined in (False, 0), "new columns get their defaults"


BEFORE_ACCOUNT_MAIL = "f0f97300ccad"
FIRST_ROUND_KINDS = ("invitation", "reminder", "coach_share")


BEFORE_WITHHELD_MAIL = "777da6530eac"


def queue_mail(conn, kind: str, status: str = "pending") -> None:
    round_id = "NULL" if kind in ACCOUNT_MAIL_KINDS else "1"
    conn.exec_driver_sql(
        "INSERT INTO outbox (kind, to_address, round_id, status, attempts, next_attempt_at, "
        f"created_at) VALUES ('{kind}', 'a@example.org', {round_id}, '{status}', 0, "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )


def add_leader_and_round(conn) -> None:
    conn.exec_driver_sql(
        "INSERT INTO users (id, email, name, password_hash, created_at) "
        "VALUES (1, 'l@example.com', 'L', 'x', '2026-01-01 00:00:00')"
    )
    conn.exec_driver_sql(
        "INSERT INTO rounds (id, leader_id, title, why, success_measures, platforms, "
        "questionnaire_version, anonymity_threshold, status, auto_reminder_sent, "
        "created_at) VALUES (1, 1, 'Kept', '', '', '[]', '2026.1', 3, 'open', false, "
        "'2026-01-01 00:00:00')"
    )


def test_outbox_takes_withheld_mail_and_a_downgrade_drops_only_that(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            add_leader_and_round(conn)
            for status in MAIL_STATUSES:
                queue_mail(conn, "invitation", status)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            queue_mail(conn, "invitation", "lost")
        flask_migrate.downgrade(revision=BEFORE_WITHHELD_MAIL)
        with db.engine.connect() as conn:
            statuses = conn.exec_driver_sql("SELECT status FROM outbox ORDER BY id").scalars()
            assert statuses.all() == ["pending", "sent", "failed"]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            queue_mail(conn, "invitation", "withheld")
        flask_migrate.upgrade()
    assert schema_differences(empty_app) == []


def test_outbox_takes_account_mail_and_a_downgrade_drops_only_that(empty_app):
    """compare_metadata skips CHECK constraints, so the kinds are tried against the real table."""
    with empty_app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            add_leader_and_round(conn)
            for kind in MAIL_KINDS:
                queue_mail(conn, kind)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            queue_mail(conn, "unknown")
        flask_migrate.downgrade(revision=BEFORE_ACCOUNT_MAIL)
        with db.engine.connect() as conn:
            kinds = conn.exec_driver_sql("SELECT kind FROM outbox ORDER BY id").scalars().all()
        assert kinds == [kind for kind in MAIL_KINDS if kind in FIRST_ROUND_KINDS]
        flask_migrate.upgrade()
    assert schema_differences(empty_app) == []


BEFORE_COACH_REVIEW = "d3a8f61c2b90"


def add_share(conn, share_id: int, email: str, asked: bool, approved: bool) -> None:
    conn.exec_driver_sql(
        "INSERT INTO coach_shares (id, round_id, coach_email, created_at, debrief_note, "
        "note_shared, reviews_rater_list, rater_list_approved) VALUES "
        f"({share_id}, 1, '{email}', '2026-01-01 00:00:00', 'n', true, {asked}, {approved})"
    )


def test_coach_review_constraints_live_in_the_database_and_go_down_and_up(empty_app):
    """One coach per round vouches for its list, and only an asked coach can have approved it:
    both refused by the database itself. The downgrade keeps the shares and drops coach mail."""
    with empty_app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            add_leader_and_round(conn)
            add_share(conn, 1, "c1@example.com", asked=True, approved=True)
            add_share(conn, 2, "c2@example.com", asked=False, approved=False)
            queue_mail(conn, "round_closed")
            queue_mail(conn, "list_review")
            queue_mail(conn, "coach_share")
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            add_share(conn, 3, "c3@example.com", asked=False, approved=True)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            add_share(conn, 3, "c3@example.com", asked=True, approved=False)
        with db.engine.begin() as conn:  # not asked: as many as the leader likes
            add_share(conn, 3, "c3@example.com", asked=False, approved=False)
        flask_migrate.downgrade(revision=BEFORE_COACH_REVIEW)
        columns = {c["name"] for c in inspect(db.engine).get_columns("coach_shares")}
        assert "reviews_rater_list" not in columns and "note_shared" not in columns
        with db.engine.connect() as conn:
            shares = conn.exec_driver_sql("SELECT count(*) FROM coach_shares").scalar()
            kinds = conn.exec_driver_sql("SELECT kind FROM outbox").scalars().all()
        assert shares == 3 and kinds == ["coach_share"]
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            approved = conn.exec_driver_sql(
                "SELECT count(*) FROM coach_shares WHERE rater_list_approved"
            ).scalar()
        assert approved == 0, "after the way down and up, nobody has approved anything"
    assert schema_differences(empty_app) == []
