"""From stored answers to the PDF a coach downloads, through the real route, on both databases."""

from __future__ import annotations

import subprocess

import pytest

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.rounds import services as round_services
from tests.conftest import invite
from tests.conftest import login
from tests.conftest import submit_via_token

Q = questionnaire.load()


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.pdf
def test_coach_downloads_the_pdf_of_a_closed_round(app, client, leader, coach, tmp_path):
    a_round = round_services.create_round(
        leader,
        title="Winter <b>round</b>",
        why="To grow a community of practice",
        success_measures="",
        platforms=["Mastodon"],
        closes_on=None,
        anonymity_threshold=3,
    )
    round_services.save_self_assessment(a_round, {item.id: 5 for item in Q.items})
    groups = {"staff": 3, "colleague": 3, "follower": 1}
    lines = [f"{g}{i}@example.org, {g}" for g, n in groups.items() for i in range(n)]
    tokens = invite(a_round, "\n".join(lines))
    round_services.share_with_coach(a_round, "coach@example.com")
    round_services.open_round(a_round)
    for g, n in groups.items():
        for i in range(n):
            ratings = {item.id: (2 if g == "staff" else 4) for item in Q.items}
            comments = {"keep": f"{g.upper()} says keep the weekly Mastodon thread {i}"}
            submit_via_token(tokens[f"{g}{i}@example.org"], ratings, comments)
    round_services.close_round(a_round)
    round_id = a_round.id
    db.session.remove()

    login(client, "coach@example.com")
    reply = client.get(f"/rounds/{round_id}/report.pdf")
    assert reply.status_code == 200
    assert reply.mimetype == "application/pdf"
    assert "attachment" in reply.headers["Content-Disposition"]
    text = pdf_text(reply.data, tmp_path)
    flat = " ".join(text.split())
    assert "Lee Leader" in flat and "Winter <b>round</b>" in flat
    assert "To grow a community of practice" in flat
    assert "STAFF says keep the weekly Mastodon thread" in flat
    assert "FOLLOWER says" not in flat, "a group of one stays hidden"
    # Others = (3 x 2 + 3 x 4) / 6 = 3.0 on every item; self 5.0; gap +2.0.
    assert "3.0" in flat and "+2.0" in flat
    assert "Page 1 of" in flat
