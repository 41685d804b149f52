"""A closed follow-up's results (issue 18): its page and short PDF for the leader and the
original round's coach, a 404 for anyone else, nothing below a threshold on either, and its
data file and `flask report` never a full report. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess

import pytest

from feedback360.extensions import db
from feedback360.models import ReportFile
from feedback360.rounds import services as round_services
from tests.followup_setup import answer_pulse
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import add_user
from tests.helpers import download_report
from tests.helpers import login
from tests.helpers import share_for
from tests.helpers import visible_text

COLLEAGUES = [f"colleague{i}@example.org" for i in range(4)]
STAFF = [f"staff{i}@example.org" for i in range(3)]
FOLLOWERS = [f"follower{i}@example.org" for i in range(3)]
STATEMENT = "They say what they want to achieve online."


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "pulse.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-layout", str(path), "-"]
    return " ".join(subprocess.run(args, check=True, capture_output=True, text=True).stdout.split())


def make_pulse(a_round, leader, answers: dict[str, int]):
    """The round closed with a plan; its pulse answered by `answers` ({email: value}), closed."""
    round_services.share_with_coach(a_round, "coach@example.com")
    closed_round_with_plan(a_round, leader)
    pulse = pulse_today(a_round, leader)
    tokens = pulse_tokens(pulse)
    for email, value in answers.items():
        answer_pulse(tokens[email], pulse, value)
    round_services.close_round(pulse)
    return pulse


@pytest.fixture
def pulse(open_round, leader, coach):
    return make_pulse(open_round, leader, {e: 4 for e in COLLEAGUES + STAFF + FOLLOWERS})


@pytest.fixture
def thin_pulse(open_round, leader, coach):
    """Two colleagues answered: below the threshold of 3, even counted with the small groups."""
    return make_pulse(open_round, leader, {e: 5 for e in COLLEAGUES[:2]})


def test_the_leader_reads_each_focus_statement_then_and_now(client, pulse):
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{pulse.id}/results")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert f"Results: {pulse.title}" in text
    assert "Have you noticed a change in how they do this?" in text
    assert "Nobody, the app included, knows who rated both times." in text
    assert "The people who answered the follow-up may not be the same" in text
    assert "A little better 10" in text  # all ten shown raters said so
    # No full report: none of its sections.
    assert "Blind spots" not in text and "Debrief note" not in text
    assert "Download the PDF report" in text and "CSV" in text


def test_the_coach_of_the_original_round_reads_it_too(app, pulse):
    client = app.test_client()
    login(client, "coach@example.com")
    page = client.get(f"/rounds/{pulse.id}/results")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "Lee Leader asked then were asked again" in text
    assert "CSV" not in text  # the data file is the leader's
    assert client.get(f"/rounds/{pulse.id}/export.json").status_code == 404
    assert client.post(f"/rounds/{pulse.id}/debrief-note", data={"note": "x"}).status_code == 404


def test_anyone_else_gets_a_404(app, pulse):
    add_user("stranger@example.com", "Sam Stranger")
    client = app.test_client()
    login(client, "stranger@example.com")
    for path in ("results", "report.pdf", "export.csv", "export.json"):
        assert client.get(f"/rounds/{pulse.id}/{path}").status_code == 404


def test_the_pdf_is_a_stored_short_report(client, pulse, tmp_path):
    login(client, "leader@example.com")
    data = download_report(client, pulse.id)
    text = pdf_text(data, tmp_path)
    assert "Follow-up" in text and "Lee Leader" in text
    assert "Nobody, the app included, knows who rated both times." in text
    assert "A little better 10" in text
    assert "Blind spots" not in text
    # Asked for when the pulse's results became ready: the leader's and the coach's copies.
    files = {f.reader: f for f in db.session.query(ReportFile).filter_by(round_id=pulse.id)}
    share = share_for(pulse.parent_round, "coach@example.com")
    assert set(files) == {"leader", f"coach-{share.id}"} and files["leader"].pdf == data


def test_the_coach_gets_their_own_copy(app, pulse, tmp_path):
    client = app.test_client()
    login(client, "coach@example.com")
    text = pdf_text(download_report(client, pulse.id), tmp_path)
    assert "Written for Lee Leader and their coach" in text


def test_below_the_thresholds_nothing_is_shown(client, thin_pulse, tmp_path):
    login(client, "leader@example.com")
    text = visible_text(client.get(f"/rounds/{thin_pulse.id}/results").get_data(as_text=True))
    assert "No group reached the threshold" in text
    assert "A little better" not in text and "Clearly up" not in text
    assert "0 responses in these results" in text
    pdf = pdf_text(download_report(client, thin_pulse.id), tmp_path)
    assert "No group reached the threshold" in pdf
    assert "A little better" not in pdf and "5.0" not in pdf


def test_the_change_answers_hide_below_the_detail_threshold(app, open_round, leader, coach):
    # Colleagues (4) are shown; staff and followers are not: 4 answers, below the detail
    # threshold of 5, so the ratings' means show but the change answers do not.
    app.config["REPORT_COMMENT_THRESHOLD"] = 5
    pulse = make_pulse(open_round, leader, {e: 4 for e in COLLEAGUES})
    client = app.test_client()
    login(client, "leader@example.com")
    text = visible_text(client.get(f"/rounds/{pulse.id}/results").get_data(as_text=True))
    assert STATEMENT in text and "4.0" in text
    assert "Not shown: fewer than 5 people" in text
    assert "A little better" not in text


def test_the_pulse_export_is_its_comparison_not_a_full_report(client, pulse):
    login(client, "leader@example.com")
    doc = json.loads(client.get(f"/rounds/{pulse.id}/export.json").data)
    assert set(doc) == {"original", "pulse"}
    assert "dimensions" not in doc and "comments" not in doc
    first = doc["pulse"]["targets"][0]["statements"][0]
    assert first["after"] == 4.0 and first["id"] == "purpose_1"
    csv_text = client.get(f"/rounds/{pulse.id}/export.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("target,target_title,statement")
    assert "purpose_1" in csv_text and "self" not in csv_text.splitlines()[0]


def test_flask_report_writes_the_short_pdf_for_a_pulse(app, pulse, tmp_path):
    out = tmp_path / "pulse.pdf"
    result = app.test_cli_runner().invoke(args=["report", str(pulse.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "How to read the follow-up" in text and "Blind spots" not in text


def next_round(leader, answers: int = 10):
    """The leader's next full round, opened after the first closed, answered and closed."""
    from feedback360 import questionnaire
    from tests.helpers import answer_all
    from tests.helpers import invite
    from tests.helpers import submit_via_token

    a_round = round_services.create_round(
        leader, title="Autumn round", why="Again", platforms=[], anonymity_threshold=3
    )
    tokens = invite(a_round, "\n".join(f"c{i}@example.org, colleague" for i in range(answers)))
    round_services.open_round(a_round)
    for token in tokens.values():
        submit_via_token(token, answer_all(questionnaire.load(), 4))
    round_services.close_round(a_round)
    return a_round


def test_the_next_round_shows_the_focus_so_far_on_its_page_and_pdf(client, pulse, tmp_path):
    later = next_round(pulse.leader)
    login(client, "leader@example.com")
    text = visible_text(client.get(f"/rounds/{later.id}/results").get_data(as_text=True))
    assert "Your focus so far" in text
    assert "After “Spring round”, closed on" in text
    assert "They say what they want to achieve online." in text
    assert "Follow-up," in text and "Autumn round," in text  # the pulse, then this round
    assert "4.0 then" not in text  # "then" is the first round's figure, "now" the later one's
    pdf = pdf_text(download_report(client, later.id), tmp_path)
    assert "Your focus so far" in pdf and "After “Spring round”" in pdf


def test_a_round_without_earlier_focus_shows_no_history(client, pulse, tmp_path):
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{pulse.parent_round_id}/results")
    text = visible_text(page.get_data(as_text=True))
    assert "focus so far" not in text
    assert "focus so far" not in pdf_text(download_report(client, pulse.parent_round_id), tmp_path)


@pytest.mark.parametrize(
    "language, words",
    [
        ("es", ["Cómo leer el seguimiento", "Nadie, ni siquiera la aplicación", "Algo mejor"]),
        ("fr", ["Comment lire le suivi", "Personne, pas même l’application", "Un peu mieux"]),
        ("de", ["So lesen Sie die Nachbefragung", "Niemand, auch die App nicht", "Etwas besser"]),
    ],
)
def test_the_page_and_pdf_in_the_leaders_language(client, pulse, tmp_path, language, words):
    pulse.leader.language = language
    db.session.commit()
    login(client, "leader@example.com")
    text = visible_text(client.get(f"/rounds/{pulse.id}/results").get_data(as_text=True))
    pdf = pdf_text(download_report(client, pulse.id), tmp_path)
    for word in words:
        assert word in text and word in pdf
    for leftover in ("How to read the follow-up", "A little better", "Nobody, the app"):
        assert leftover not in text and leftover not in pdf
