"""From stored answers to the PDF a coach downloads, through the real route, on both databases."""

from __future__ import annotations

import html
import subprocess

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.anonymity import report_promises
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import download_report
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = questionnaire.load()


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.pdf
def test_coach_downloads_the_pdf_of_a_closed_round(app, client, leader, coach, tmp_path):
    round_id = closed_round(
        leader,
        {"staff": 5, "colleague": 3, "follower": 1},
        title="Winter <b>round</b>",
        why="To grow a community of practice",
        comment=lambda g, i: {"keep": f"{g.upper()} says keep the weekly Mastodon thread {i}"},
    )
    db.session.remove()

    login(client, "coach@example.com")
    text = pdf_text(download_report(client, round_id), tmp_path)
    flat = " ".join(text.split())
    assert "Lee Leader" in flat and "Winter <b>round</b>" in flat
    assert "To grow a community of practice" in flat
    assert "STAFF says keep the weekly Mastodon thread" in flat
    assert "FOLLOWER says" not in flat, "a group of one stays hidden"
    assert "COLLEAGUE says" not in flat, "3 colleagues: scores shown, comments need 5"
    # Others = 3.0 on every item (the follower left out); self 5.0; gap +2.0.
    assert "3.0" in flat and "+2.0" in flat
    assert "Page 1 of" in flat


def closed_round(
    leader,
    groups: dict[str, int],
    rating=3,
    self_rating=5,
    title="Autumn round",
    why="To open up energy data for every town",
    comment=None,
    shared=True,
):
    """A closed round, shared with the fixture coach unless not `shared`; everyone in a group
    gives `rating`, and `comment(group, i)` gives person i of a group their comments."""
    a_round = round_services.create_round(
        leader,
        title=title,
        why=why,
        success_measures="",
        platforms=["LinkedIn"],
        closes_on=None,
        anonymity_threshold=3,
    )
    round_services.save_self_assessment(a_round, {item.id: self_rating for item in Q.items})
    lines = [f"{g}{i}@example.org, {g}" for g, n in groups.items() for i in range(n)]
    tokens = invite(a_round, "\n".join(lines))
    if shared:
        round_services.share_with_coach(a_round, "coach@example.com")
    round_services.open_round(a_round)
    for g, n in groups.items():
        for i in range(n):
            comments = comment(g, i) if comment else None
            submit_via_token(tokens[f"{g}{i}@example.org"], answer_all(Q, rating), comments)
    round_services.close_round(a_round)
    return a_round.id


def test_a_coach_sees_the_trend_only_from_an_earlier_round_shared_with_them(client, leader, coach):
    """The trend prints an earlier round's figures; the coach of this round alone must not get
    the figures of a round the leader kept to themself."""
    closed_round(leader, {"staff": 5}, rating=2, title="Private spring round", shared=False)
    round_id = closed_round(leader, {"staff": 5}, rating=4, title="Shared autumn round")
    login(client, "leader@example.com")
    assert "Compared with “Private spring round”" in client.get(f"/rounds/{round_id}/results").text
    client.post("/logout")

    login(client, "coach@example.com")
    page = client.get(f"/rounds/{round_id}/results").text
    assert "Compared with" not in page and "Private spring round" not in page
    earlier = db.session.scalar(select(Round).where(Round.title == "Private spring round"))
    round_services.share_with_coach(earlier, "coach@example.com")
    assert "Compared with “Private spring round”" in client.get(f"/rounds/{round_id}/results").text


@pytest.mark.pdf
def test_results_page_and_pdf_state_the_promises_from_one_source(client, leader, coach, tmp_path):
    """Every anonymity rule on the results page and in the PDF is `anonymity.report_promises`,
    word for word, so the two cannot drift apart or from the code."""
    round_id = closed_round(leader, {"staff": 5, "colleague": 2, "follower": 1})
    login(client, "leader@example.com")
    page = squash(html.unescape(client.get(f"/rounds/{round_id}/results").text))
    pdf = squash(pdf_text(download_report(client, round_id), tmp_path))
    promises = report_promises(3, 5, Q.not_observed)
    for name in ("groups", "means", "not_observed", "comments", "comment_order"):
        rule = squash(getattr(promises, name))
        assert rule in page, name
        assert rule in pdf, name
    assert squash(promises.by_group) in pdf


def squash(text: str) -> str:
    """Text with its white space joined, as a page and pdftotext break lines differently."""
    return " ".join(text.split())


def test_results_page_shows_the_same_analysis_as_the_pdf(client, leader, coach):
    round_id = closed_round(leader, {"staff": 5, "colleague": 5})
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{round_id}/results")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    # Self 5 and all raters 3.0 everywhere: every statement is a blind spot (+2.0, agreement 1).
    assert "Three things to work on" in text and "a blind spot" in text
    assert "+2.0" in text and "1.00" in text and "Self rates higher" in text
    assert "By group" in text and "Staff" in text
    assert "Questions to reflect on" in text
    assert 'action="/rounds/' not in text, "only a coach gets the note form"


@pytest.mark.pdf
def test_coach_note_is_saved_and_printed_in_the_coachs_pdf_only(client, leader, coach, tmp_path):
    round_id = closed_round(leader, {"staff": 5})
    login(client, "coach@example.com")
    page = client.get(f"/rounds/{round_id}/results")
    assert "Save the note" in page.text
    note = "Ask about the <script>replies</script> on LinkedIn – ünïcode ✓"
    reply = client.post(f"/rounds/{round_id}/debrief-note", data={"note": note})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/results#debrief")
    page = client.get(f"/rounds/{round_id}/results")
    assert "Note saved" in page.text
    assert (
        "&lt;script&gt;replies&lt;/script&gt;" in page.text and "<script>replies" not in page.text
    )
    coach_pdf = " ".join(pdf_text(download_report(client, round_id), tmp_path).split())
    assert "Your debrief note" in coach_pdf and "<script>replies</script> on LinkedIn" in coach_pdf

    client.post("/logout")
    login(client, "leader@example.com")
    leader_pdf = " ".join(pdf_text(download_report(client, round_id), tmp_path).split())
    assert "Debrief notes" in leader_pdf and "on LinkedIn – ünïcode" not in leader_pdf
    assert client.post(f"/rounds/{round_id}/debrief-note", data={"note": "x"}).status_code == 404


def test_too_long_coach_note_is_refused_with_the_text_kept(client, leader, coach):
    round_id = closed_round(leader, {"staff": 3})
    login(client, "coach@example.com")
    note = "Keep this. " + "x" * 3000
    reply = client.post(f"/rounds/{round_id}/debrief-note", data={"note": note})
    assert reply.status_code == 400
    assert "Please keep the note under 3,000 characters" in reply.text
    assert "Keep this. xxx" in reply.text
    share = db.session.scalar(select(CoachShare).where(CoachShare.round_id == round_id))
    assert share.debrief_note == ""


def test_note_on_an_open_round_is_refused(client, leader, coach, open_round):
    round_services.share_with_coach(open_round, coach.email)
    login(client, "coach@example.com")
    reply = client.post(f"/rounds/{open_round.id}/debrief-note", data={"note": "early"})
    assert reply.status_code == 409
