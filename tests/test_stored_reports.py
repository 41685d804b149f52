"""PDF reports off the request path: the sender builds each reader's copy once, downloads serve it.

Real WeasyPrint, real poppler, both databases. `build_wanted_reports` is the step `flask
send-mail` runs on every pass of its loop.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
import weasyprint
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import ReportFile
from feedback360.models import Round
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services.sharing import stop_sharing
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import download_report
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

pytestmark = pytest.mark.pdf
Q = questionnaire.load()
COACH2 = "coach2@example.com"


def answered_round(leader, title: str = "Stored round", coaches=("coach@example.com",), close=True):
    """Five staff answer (rating 3, a comment each); shared with `coaches`; closed."""
    a_round = round_services.create_round(
        leader, title=title, why="To test stored reports", platforms=[], anonymity_threshold=3
    )
    round_services.save_self_assessment(a_round, answer_all(Q, 4))
    tokens = invite(a_round, "\n".join(f"staff{i}@example.org, staff" for i in range(5)))
    for coach_email in coaches:
        round_services.share_with_coach(a_round, coach_email)
    round_services.open_round(a_round)
    for i, token in enumerate(tokens.values()):
        submit_via_token(token, answer_all(Q, 3), {"keep": f"Keep the weekly thread, says {i}"})
    if close:
        round_services.close_round(a_round)
    return a_round.id


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())


def stored_copies(round_id: int) -> dict[str, bytes | None]:
    """reader -> stored PDF bytes (None while wanted), as the database holds them now."""
    db.session.expire_all()
    rows = db.session.execute(
        select(ReportFile.reader, ReportFile.pdf).where(ReportFile.round_id == round_id)
    )
    return dict(rows.all())


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts WeasyPrint renders in this process; wraps the real `write_pdf`, which still runs."""
    calls: list[int] = []
    real_write_pdf = weasyprint.HTML.write_pdf

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real_write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counted)
    return calls


def test_a_download_before_the_build_says_so_and_offers_to_try_again_without_javascript(
    client, leader, coach, renders, tmp_path
):
    round_id = answered_round(leader)
    login(client, "leader@example.com")
    reply = client.get(f"/rounds/{round_id}/report.pdf")
    assert reply.status_code == 202 and reply.mimetype == "text/html"
    assert "Your report is being built" in reply.text
    assert 'http-equiv="refresh"' not in reply.text, "no timed reload (WCAG 2.2.1)"
    assert reply.headers["Retry-After"] == "5"
    assert "<script" not in reply.text.lower()
    assert f'href="/rounds/{round_id}/report.pdf"' in reply.text, "a plain link to try again"
    assert 'class="site"' in reply.text, "the site's own page, header and all"
    assert reply.headers["Cache-Control"] == "private, no-store"
    assert renders == [], "nothing rendered inside the request"

    assert build_wanted_reports() == 2, "the leader's copy and the coach's"
    reply = client.get(f"/rounds/{round_id}/report.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"] == (
        f'attachment; filename="feedback360-{round_id}-stored-round.pdf"'
    )
    assert reply.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(reply.data, tmp_path)
    assert "Stored round" in text and "Keep the weekly thread, says" in text
    assert "Page 1 of" in text


def test_the_route_serves_the_stored_bytes_without_rendering(client, leader, coach, renders):
    round_id = answered_round(leader)
    login(client, "coach@example.com")
    first = download_report(client, round_id)
    renders.clear()
    for _ in range(3):
        reply = client.get(f"/rounds/{round_id}/report.pdf")
        assert reply.status_code == 200 and reply.data == first
    assert renders == [], "three downloads, no render"
    share = db.session.scalar(select(CoachShare).where(CoachShare.round_id == round_id))
    assert stored_copies(round_id)[f"coach-{share.id}"] == first, "served verbatim"


def test_the_sender_builds_what_close_asked_for(app, client, leader, coach, tmp_path):
    """`flask send-mail` (no --watch: one pass) builds the copies the close asked for."""
    round_id = answered_round(leader)
    assert len(stored_copies(round_id)) == 2, "the leader's copy and the coach's"
    assert set(stored_copies(round_id).values()) == {None}, "asked for, not built"
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    copies = stored_copies(round_id)
    assert all(copies.values())
    assert "Stored round" in pdf_text(copies["leader"], tmp_path)


def test_a_coach_note_rebuilds_only_that_coachs_copy(client, leader, coach, tmp_path):
    coach2 = add_user(COACH2, "Cora Coach")
    round_id = answered_round(leader, coaches=(coach.email, coach2.email))
    assert build_wanted_reports() == 3
    before = stored_copies(round_id)
    shares = dict(
        db.session.execute(
            select(CoachShare.coach_email, CoachShare.id).where(CoachShare.round_id == round_id)
        ).all()
    )
    first_coach, second_coach = f"coach-{shares[coach.email]}", f"coach-{shares[COACH2]}"

    login(client, coach.email)
    note = "Ask about the replies on LinkedIn"
    assert client.post(f"/rounds/{round_id}/debrief-note", data={"note": note}).status_code == 302
    after = stored_copies(round_id)
    assert after[first_coach] is None, "the old note's copy is gone at once"
    assert after["leader"] == before["leader"] and after[second_coach] == before[second_coach]

    assert build_wanted_reports() == 1, "only that coach's copy is built again"
    after = stored_copies(round_id)
    assert after["leader"] == before["leader"] and after[second_coach] == before[second_coach]
    assert note in pdf_text(download_report(client, round_id), tmp_path)
    client.post("/logout")
    login(client, COACH2)
    assert note not in pdf_text(download_report(client, round_id), tmp_path)

    login(client, coach.email)  # the same note again changes nothing
    client.post(f"/rounds/{round_id}/debrief-note", data={"note": note})
    assert stored_copies(round_id)[first_coach] is not None


def test_results_not_ready_means_nothing_built(leader, coach):
    """A closed round whose results wait (rounds.services.closing.settle_closed_rounds)."""
    round_id = answered_round(leader)
    db.session.execute(update(Round).where(Round.id == round_id).values(results_ready=False))
    db.session.commit()
    assert build_wanted_reports() == 0
    assert set(stored_copies(round_id).values()) == {None}


def test_a_close_held_back_by_a_reader_asks_for_nothing_until_it_settles(client, leader, coach):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL is SQLite's")
    round_id = answered_round(leader, close=False)
    reader = sqlite3.connect(db.engine.url.database)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchone()  # a snapshot, held
        login(client, "leader@example.com")
        client.post(f"/rounds/{round_id}/close")
        assert stored_copies(round_id) == {}
        assert build_wanted_reports() == 0
        assert client.get(f"/rounds/{round_id}/report.pdf").status_code == 409
        assert stored_copies(round_id) == {}
    finally:
        reader.close()
    assert client.get(f"/rounds/{round_id}/report.pdf").status_code == 202
    assert build_wanted_reports() == 2


def test_a_round_open_has_no_copy_to_ask_for(client, leader, coach):
    round_id = answered_round(leader, close=False)
    login(client, "leader@example.com")
    assert client.get(f"/rounds/{round_id}/report.pdf").status_code == 409
    assert stored_copies(round_id) == {}
    assert build_wanted_reports() == 0


def test_deleting_a_round_deletes_its_stored_copies(client, leader, coach):
    round_id = answered_round(leader)
    build_wanted_reports()
    stored = stored_copies(round_id)["leader"]
    # A stretch of compressed PDF bytes: found in the SQLite files only where the copy is.
    sample = stored[len(stored) // 2 : len(stored) // 2 + 48]
    database = Path(db.engine.url.database) if db.engine.dialect.name == "sqlite" else None
    if database is not None:
        assert sample in database_files(database)
    login(client, "leader@example.com")
    reply = client.post(f"/rounds/{round_id}/delete", data={"confirm": "y"})
    assert reply.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ReportFile)) == 0
    if database is not None:
        assert sample not in database_files(database), "secure_delete zeroed the pages"


def test_a_later_rounds_copy_goes_with_the_earlier_round_its_trend_shows(
    client, leader, coach, tmp_path
):
    earlier_id = answered_round(leader, title="Spring round")
    later_id = answered_round(leader, title="Autumn round")
    build_wanted_reports()
    login(client, "leader@example.com")
    assert "Compared with “Spring round”" in pdf_text(download_report(client, later_id), tmp_path)
    round_services.delete_round(db.session.get(Round, earlier_id))
    assert "leader" not in stored_copies(later_id), "the copy printing its figures went with it"
    assert client.get(f"/rounds/{later_id}/report.pdf").status_code == 202
    text = pdf_text(download_report(client, later_id), tmp_path)
    assert "Autumn round" in text and "Spring round" not in text


def test_a_copy_built_from_other_content_is_not_served(client, leader, coach, tmp_path):
    """Sharing an earlier round with the coach adds a trend to their report: the stored copy,
    built without it, is not served, and the next one has it."""
    earlier_id = answered_round(leader, title="Spring round", coaches=())
    later_id = answered_round(leader, title="Autumn round")
    login(client, coach.email)
    assert "Spring round" not in pdf_text(download_report(client, later_id), tmp_path)
    round_services.share_with_coach(db.session.get(Round, earlier_id), coach.email)
    assert client.get(f"/rounds/{later_id}/report.pdf").status_code == 202
    assert "Compared with “Spring round”" in pdf_text(download_report(client, later_id), tmp_path)


def test_stopping_a_share_deletes_that_coachs_copy(leader, coach):
    round_id = answered_round(leader)
    build_wanted_reports()
    share = db.session.scalar(select(CoachShare).where(CoachShare.round_id == round_id))
    stop_sharing(share)
    assert set(stored_copies(round_id)) == {"leader"}


def database_files(database: Path) -> bytes:
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
