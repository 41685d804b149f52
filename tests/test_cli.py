"""The command line: `flask --app feedback360 demo | rounds | report`."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import demo as demo_data
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Response
from feedback360.models import Round
from feedback360.models import SelfRating
from feedback360.models import User
from feedback360.rounds import services as round_services


def run_cli(app, *args: str):
    """Run a command as `flask --app feedback360 ...` does; each command brings its app context."""
    return app.test_cli_runner().invoke(args=list(args))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


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
        earlier, a_round = db.session.scalars(select(Round).order_by(Round.opened_on))
        assert count(Round) == 2, "the demo round and an earlier one, for the trend"
        assert earlier.closed_on < a_round.opened_on
        assert {r.status for r in (earlier, a_round)} == {"closed"}
        assert a_round.leader.email == demo_data.LEADER_EMAIL == earlier.leader.email
        assert earlier.questionnaire_version == a_round.questionnaire_version
        assert len(a_round.invitations) == 8 and len(earlier.invitations) == 6
        assert count(Response) == count(Invitation) == 14
        assert all(inv.answered for inv in a_round.invitations)
        assert count(OutboxMessage) == 0, "no email to synthetic people"
        assert count(SelfRating) > 0
        assert [s.coach_email for s in db.session.scalars(select(CoachShare))] == [
            demo_data.COACH_EMAIL
        ]

    again = run_cli(app, "demo", "--respondents", "8", "--if-empty")
    assert again.exit_code == 0, again.output
    assert "already has accounts" in again.output
    with app.app_context():
        assert (count(User), count(Round), count(Response)) == (2, 2, 14)


@pytest.fixture
def demo_round_id(sqlite_app) -> int:
    with sqlite_app.app_context():
        return demo_data.seed_demo(respondents=6).id


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
    assert len(lines) == 3  # the demo's earlier round, the demo round, the draft
    assert lines[1].split("\t")[:3] == [str(demo_round_id), "closed", "6 responses"]
    assert lines[2].split("\t")[:3] == [str(draft_id), "draft", "0 responses"]
    assert lines[2].endswith("A draft round")


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
