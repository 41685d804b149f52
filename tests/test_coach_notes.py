"""The coach's debrief note, shared with the leader by the coach's choice: on the leader's results
page and in their PDF once shared, in the coach's copy only until then. Each stored PDF copy is
built anew only when its own content changed (reports.stored). Real PDFs, both databases."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import ReportFile
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services.sharing import stop_sharing
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import download_report
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import share_for
from tests.helpers import submit_via_token

pytestmark = pytest.mark.pdf
Q = questionnaire.load()
COACH2 = "coach2@example.com"
NOTE = "Ask about the replies on LinkedIn:\nwhat would a reply that lands look like?"


@pytest.fixture
def closed_two_coaches(leader, coach):
    """Five staff answered; shared with two coaches; closed; every copy built."""
    add_user(COACH2, "Cody Coach")
    a_round = round_services.create_round(
        leader, title="Noted round", why="To test notes", platforms=[], anonymity_threshold=3
    )
    tokens = invite(a_round, "\n".join(f"staff{i}@example.org, staff" for i in range(5)))
    round_services.share_with_coach(a_round, coach.email)
    round_services.share_with_coach(a_round, COACH2)
    round_services.open_round(a_round)
    for token in tokens.values():
        submit_via_token(token, answer_all(Q, 3))
    round_services.close_round(a_round)
    assert build_wanted_reports() == 3
    return a_round


def copies(a_round) -> dict[str, tuple[int, bytes | None]]:
    """reader -> (row id, stored PDF), as the database holds them now."""
    db.session.expire_all()
    rows = db.session.execute(
        select(ReportFile.reader, ReportFile.id, ReportFile.pdf).where(
            ReportFile.round_id == a_round.id
        )
    )
    return {reader: (row_id, pdf) for reader, row_id, pdf in rows}


def readers(a_round, coach_email: str) -> tuple[str, str]:
    """The copy names of the fixture coach and of the second coach."""
    return (
        f"coach-{share_for(a_round, coach_email).id}",
        f"coach-{share_for(a_round, COACH2).id}",
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return " ".join(text.split())


def shared_box(html: str) -> str:
    """The share checkbox's tag."""
    return re.search(r'<input[^>]*id="shared"[^>]*>', html)[0]


def save(client, a_round, note: str, shared: bool):
    data = {"note": note} | ({"shared": "y"} if shared else {})
    return client.post(f"/rounds/{a_round.id}/debrief-note", data=data, follow_redirects=True)


def changed(before: dict, after: dict) -> set[str]:
    """The copies whose row was replaced (asked for anew) between two looks."""
    return {reader for reader in before if after.get(reader) != before[reader]}


def test_a_note_stays_in_the_coachs_copy_until_shared(client, closed_two_coaches, coach, tmp_path):
    a_round = closed_two_coaches
    login(client, coach.email)
    page = save(client, a_round, NOTE, shared=False)
    assert "It is in your copy only" in page.text
    assert " checked" not in shared_box(page.text)
    assert "Only in your copy." in page.text and "does not see this note" in page.text
    client.post("/logout")
    login(client, "leader@example.com")
    assert "Ask about the replies" not in client.get(f"/rounds/{a_round.id}/results").text
    assert "Ask about the replies" not in pdf_text(download_report(client, a_round.id), tmp_path)
    client.post("/logout")

    login(client, coach.email)
    page = save(client, a_round, NOTE, shared=True)
    assert "Note saved and shared: Lee Leader reads it" in page.text
    assert "Shared with Lee Leader." in page.text
    assert " checked" in shared_box(page.text), "the page shows the choice as stored"
    client.post("/logout")
    login(client, "leader@example.com")
    results = client.get(f"/rounds/{a_round.id}/results").text
    assert "Your coach’s note" in results and "from coach@example.com" in results
    assert "Ask about the replies on LinkedIn:\nwhat would a reply" in results
    leader_pdf = pdf_text(download_report(client, a_round.id), tmp_path)
    assert "Your coach’s note, from coach@example.com" in leader_pdf
    assert "Ask about the replies on LinkedIn" in leader_pdf
    client.post("/logout")
    login(client, COACH2)
    assert "Ask about the replies" not in client.get(f"/rounds/{a_round.id}/results").text
    assert "Ask about the replies" not in pdf_text(download_report(client, a_round.id), tmp_path)


def test_only_the_copies_whose_content_changed_are_built_again(client, closed_two_coaches, coach):
    a_round = closed_two_coaches
    own, other = readers(a_round, coach.email)
    login(client, coach.email)

    before = copies(a_round)
    save(client, a_round, NOTE, shared=False)
    assert changed(before, copies(a_round)) == {own}, "a note in the coach's copy only"
    assert build_wanted_reports() == 1

    before = copies(a_round)
    save(client, a_round, NOTE, shared=True)
    assert changed(before, copies(a_round)) == {"leader"}, "shared: the leader's copy, not hers"
    assert build_wanted_reports() == 1

    before = copies(a_round)
    save(client, a_round, NOTE + " And on Bluesky?", shared=True)
    assert changed(before, copies(a_round)) == {own, "leader"}, "a shared note edited: both"
    assert build_wanted_reports() == 2

    before = copies(a_round)
    save(client, a_round, NOTE + " And on Bluesky?", shared=True)
    assert changed(before, copies(a_round)) == set(), "saved unchanged: nothing to build"
    assert build_wanted_reports() == 0

    before = copies(a_round)
    save(client, a_round, NOTE + " And on Bluesky?", shared=False)
    assert changed(before, copies(a_round)) == {"leader"}, "taken back: the leader's copy"
    assert build_wanted_reports() == 1
    assert other not in changed(before, copies(a_round))

    save(client, a_round, NOTE, shared=True)
    build_wanted_reports()
    before = copies(a_round)
    stop_sharing(share_for(a_round, coach.email))
    after = copies(a_round)
    assert own not in after, "their copy went with their share"
    assert after["leader"][1] is None, "the leader's copy no longer prints their note"
    assert after[other] == before[other]


def test_an_empty_note_shared_shows_nothing_and_rebuilds_nothing(client, closed_two_coaches, coach):
    a_round = closed_two_coaches
    login(client, coach.email)
    before = copies(a_round)
    page = save(client, a_round, "", shared=True)
    assert "It is in your copy only" in page.text, "nothing to share: the flash does not claim it"
    assert changed(before, copies(a_round)) == set()
    client.post("/logout")
    login(client, "leader@example.com")
    results = client.get(f"/rounds/{a_round.id}/results").text
    assert "Your coach’s note" not in results
    assert "once they choose to share it with you" in results
