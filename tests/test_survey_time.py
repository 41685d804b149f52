"""How long the survey takes: bench/survey_time.py counts a page by the issue's model, and the
survey states the figure that the same model gives for its questionnaire. The rendered pages run
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.mail import compose
from feedback360.models import OutboxMessage
from feedback360.survey_time import Estimate
from feedback360.survey_time import count_words
from feedback360.survey_time import estimate_for
from feedback360.survey_time import stated_minutes
from tests.helpers import SECRET_KEY
from tests.helpers import invite

BENCH = Path(__file__).resolve().parent.parent / "bench"
TARGET_MINUTES = 5.0

# A tiny page with one of each case the counting rules name.
HANDMADE = """<!doctype html><html><head><title>Not read</title><style>p{}</style></head><body>
<nav>Skip me, I am outside main</nav>
<main>
  <h1>Two words</h1>
  <script>var notRead = "words in a script";</script>
  <p hidden>hidden words here</p>
  <p><span class="visually-hidden">for screen readers only</span>Seen three words</p>
  <input type="hidden" name="x" value="a hidden value">
  <fieldset><legend>1. First item</legend>
    <label><input type="radio" name="a" value="1" required> Never</label>
    <label><input type="radio" name="a" value="2" required> Always</label>
  </fieldset>
  <fieldset><legend>2. Second item</legend>
    <label><input type="radio" name="b" value="1" required> Never</label>
    <label><input type="radio" name="b" value="2" required> Always</label>
  </fieldset>
  <fieldset><legend>3. Third item</legend>
    <input type="radio" id="c1" name="c" value="1" required><label for="c1">Yes</label>
    <input type="radio" id="c2" name="c" value="2" required><label for="c2">No</label>
  </fieldset>
  <label><input type="checkbox" name="p" value="x"> Optional tick</label>
  <details><summary>Add an example</summary><p>Folded words not read</p>
    <textarea name="comment_d1"></textarea></details>
  <details><summary>Add an example</summary><p>Folded again</p></details>
  <details><summary>Must open</summary><p>Four words inside here</p>
    <input type="radio" name="d" value="1" required><label>Only</label></details>
  <details open><summary>Open</summary><p>Already open text</p></details>
  <label for="q1">An open question?</label><textarea id="q1" name="comment_q1"></textarea>
  <label for="q2">Hidden question</label><textarea hidden name="comment_q2"></textarea>
  <button>Send it</button>
</main>
<footer>Not in main either</footer>
</body></html>"""


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import survey_time

    return survey_time


def test_count_words_counts_what_a_reader_reads():
    assert count_words("How does Robin show up online?") == 6
    assert count_words("12. They post — often · “quoted” X don't 2026 (3)") == 7
    assert count_words("  ") == 0


def test_the_bench_counts_a_handmade_page_by_its_rules(bench):
    page = bench.page_text(HANDMADE, {"comment_q1", "comment_q2"})
    read = page.text.split()
    for unread in ("Skip", "notRead", "hidden", "screen", "Folded", "again", "Not", "footer"):
        assert unread not in read, unread
    # Two words, Seen three words, First item, Second item, Third item, Optional tick,
    # Add an example (once), Must open + Four words inside here + Only (a required choice
    # inside a closed <details>: it must be opened), Open + Already open text, An open
    # question?, Hidden question (its label shows; its box does not), Send it; the options
    # Never Always once (the second group repeats them), Yes No.
    assert page.words == 2 + 3 + 2 + 2 + 2 + 2 + 3 + 2 + 4 + 1 + 1 + 3 + 3 + 2 + 2 + 2 + 2
    assert read.count("Never") == 1 and read.count("example") == 1
    assert page.all_visible_words == page.words + 2 + 3, "the repeats, counted apart"
    assert page.choices == 4, "a, b, c and the one inside the details; not the checkbox"
    assert page.open_questions == 1, "a hidden box is no question; the dimension box is none"


def test_the_model_is_the_issues():
    estimate = Estimate(words=476, choices=20, open_questions=3)
    assert estimate.seconds == pytest.approx(476 * 60 / 238 + 60 + 135)
    assert estimate.minutes == pytest.approx(5.25)
    assert estimate.stated_minutes == 6
    assert Estimate(238 * 4, 0, 0).stated_minutes == 4, "a whole minute is not rounded up"


def seed_every_group(app, version: str) -> dict[tuple[str, str], str]:
    """A round on `version` by a leader called Robin Example (the estimate assumes a two-word
    name), with three invitations and an open link per group: (group, kind) -> token."""
    from feedback360.extensions import db
    from feedback360.rounds import services as round_services
    from tests.helpers import add_user

    q = questionnaire.load(version)
    with app.app_context():  # left before measuring: each request has its own, as served
        leader = add_user(f"{version}@example.com", "Robin Example")
        a_round = round_services.create_round(
            leader, title="Timed", platforms=["linkedin"], closes_on=None, anonymity_threshold=3
        )
        a_round.questionnaire_version = version
        lines = [f"{g.id}{i}.{version}@example.org, {g.id}" for g in q.groups for i in range(3)]
        tokens = invite(a_round, "\n".join(lines))
        round_services.open_round(a_round)
        links = {(g.id, "invitation"): tokens[f"{g.id}0.{version}@example.org"] for g in q.groups}
        for g in q.groups:
            link = round_services.ensure_open_link(a_round, g.id)
            links[(g.id, "open_link")] = round_services.rotate_open_link(link, SECRET_KEY)
        db.session.remove()
    return links


def test_the_surveys_own_estimate_is_what_the_bench_measures(bench, csrf_app):
    """As deployed (CSRF on): what the bench measures for each group and link, on the pages
    as they render, is the estimate the survey states its time from."""
    for version in ("2026.2", questionnaire.CURRENT_VERSION):
        q = questionnaire.load(version)
        for (group, kind), token in seed_every_group(csrf_app, version).items():
            measured = bench.measure_link(csrf_app, q, token)
            estimate = estimate_for(q, group, kind == "open_link")
            assert measured["review_words"] > 0, "the review step was measured"
            assert measured["words"] == estimate.words, (version, group, kind, measured)
            assert measured["choices"] == estimate.choices == len(q.items)
            assert measured["open_questions"] == estimate.open_questions == len(q.open_questions)
            assert measured["minutes"] == pytest.approx(estimate.minutes, abs=0.005)


def test_the_current_questionnaire_takes_at_most_five_minutes_for_every_group():
    q = questionnaire.load()
    for group in q.groups:
        for open_link in (False, True):
            minutes = estimate_for(q, group.id, open_link).minutes
            assert minutes <= TARGET_MINUTES, (group.id, open_link, minutes)


def test_the_survey_states_the_measured_time_in_its_intro_and_link_preview(client, open_round):
    from feedback360.rounds import services as round_services

    q = questionnaire.load(open_round.questionnaire_version)
    assert "{minutes}" in q.introduction, "the current version's intro states the figure"
    personal = client.get(f"/s/{open_round.tokens['staff0@example.org']}").text
    minutes = stated_minutes(q, "staff", open_link=False)
    assert f"It takes about {minutes} minutes." in personal
    assert minutes == estimate_for(q, "staff", False).stated_minutes == 5
    link = round_services.ensure_open_link(open_round, "follower")
    public = client.get(f"/s/{round_services.rotate_open_link(link, SECRET_KEY)}").text
    follower_minutes = stated_minutes(q, "follower", open_link=True)
    assert f"It takes about {follower_minutes} minutes." in public
    description = re.search(r'<meta name="description" content="([^"]+)"', public)[1]
    assert description == f"Anonymous, about {follower_minutes} minutes, no account needed."
    assert "five" not in personal and "five" not in public


def test_the_bench_runs_and_prints_one_json_line():
    run = subprocess.run(
        [sys.executable, str(BENCH / "survey_time.py"), "--versions", "2026.2", "2026.3"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(BENCH.parent)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["model"] == {
        "words_per_minute": 238,
        "seconds_per_choice": 3,
        "seconds_per_open_question": 45,
    }
    for group in questionnaire.load().groups:
        for kind in ("invitation", "open_link"):
            after, before = figures["2026.3"][group.id][kind], figures["2026.2"][group.id][kind]
            assert after["minutes"] <= TARGET_MINUTES < before["minutes"], (group.id, kind)
            assert after["choices"] == 20 and before["choices"] == 27
            assert after["open_questions"] == before["open_questions"] == 3
    # The follow-up pulse (issue 18), its longest form: three targets, two statements each.
    pulse = figures["pulse"]
    assert len(pulse["targets"]) == 3
    for group in questionnaire.load().groups:
        for kind in ("invitation", "open_link"):
            measured = pulse[group.id][kind]
            assert measured["minutes"] < figures["pulse_target_minutes"] == 2.0, (group.id, kind)
            assert measured["choices"] == 9 and measured["open_questions"] == 0
            assert measured["review_words"] > 0, "the pulse's review step was measured"


def test_invitations_state_the_minutes_the_survey_states(open_round):
    """The mail promises what the survey itself says, for that person's group and version."""
    q = questionnaire.load(open_round.questionnaire_version)
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.round_id == open_round.id)
    ).all()
    assert messages
    for message in messages:
        minutes = stated_minutes(q, message.invitation.rater_group, open_link=False)
        mail = compose(message)
        text = " ".join(mail.get_body(("plain",)).get_content().split())
        page = " ".join(mail.get_body(("html",)).get_content().split())
        assert f"about {minutes} minutes" in text and f"about {minutes} minutes" in page
        assert "five" not in text
