"""Issue 18 in the leader's data file and in the next full round's focus history, on SQLite and
PostgreSQL: the forecast, plan, word back and pulse as the pages show them, nothing more."""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.followup.forecasts import save_forecast
from feedback360.followup.history import focus_history_for
from feedback360.followup.word_backs import send_word_back
from feedback360.rounds import services as round_services
from tests.followup_setup import answer_and_close
from tests.followup_setup import answer_pulse
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import round_like

Q = questionnaire.load()


def test_the_leader_export_holds_forecast_plan_word_back_and_pulse(
    client, open_round, leader, coach
):
    """Only the leader gets the file (reports.views._export; tests/test_export.py)."""
    save_forecast(open_round, leader, {("colleague", "purpose"): "4", ("other", "purpose"): "2"})
    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    send_word_back(open_round, leader, "Thank you for your feedback.")
    pulse = pulse_today(open_round, leader)
    round_id = open_round.id

    login(client, leader.email)
    doc = json.loads(client.get(f"/rounds/{round_id}/export.json").text)["followup"]
    assert doc["forecast"]["compared"][0] | {"actual": None} == {
        "group": "colleague",
        "dimension": "purpose",
        "forecast": 4.0,
        "actual": None,
        "difference": -1.0,
        "reading": doc["forecast"]["compared"][0]["reading"],
    }
    assert [n["group"] for n in doc["forecast"]["not_compared"]] == ["other"]
    assert [e["target"] for e in doc["plan"]] == ["purpose_1", "progress"]
    assert doc["plan"][0]["platform"] == "LinkedIn"
    assert doc["word_back"] == {
        "text": "Thank you for your feedback.",
        "sent_on": date.today().isoformat(),
    }
    # While the pulse runs: its dates only, no count that moves.
    assert set(doc["pulse"]) == {"title", "status", "opens_on", "closes_on", "closed_on"}

    for email, token in pulse_tokens(pulse).items():
        if not email.startswith("other"):
            answer_pulse(token, pulse, 4)
    round_services.close_round(pulse)
    doc = json.loads(client.get(f"/rounds/{round_id}/export.json").text)["followup"]
    first = doc["pulse"]["targets"][0]
    assert first["target"] == "purpose_1"
    assert first["statements"][0]["after"] == 4.0
    assert first["noticed_a_change"]["A little better"] == 10
    assert doc["pulse"]["respondents"] == 10
    assert "Nobody, the app included, knows who rated both times." in doc["pulse"]["notes"]
    # The CSV stays the report's table.
    assert "followup" not in client.get(f"/rounds/{round_id}/export.csv").text


def test_a_round_without_any_of_it_has_no_section(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    assert "followup" not in json.loads(client.get(f"/rounds/{open_round.id}/export.json").text)


def test_the_next_full_round_shows_the_focus_and_its_follow_ups(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    for email, token in pulse_tokens(pulse).items():
        if not email.startswith("other"):
            answer_pulse(token, pulse, 4)
    round_services.close_round(pulse)

    later = round_like(leader, open_round, title="Autumn round")
    later.closes_on = date.today() + timedelta(days=7)
    db.session.commit()
    later.tokens = invite(later, "\n".join(f"c{i}@example.org, colleague" for i in range(3)))
    round_services.open_round(later)
    history = focus_history_for(later)
    assert [s.label for s in history.sections] == ["Spring round"]
    row = history.sections[0].rows[0]
    assert row.target.id == "purpose_1"
    assert [cell.label for cell in row.cells] == ["Follow-up"]
    assert row.cells[0].comparison.items[0].after_mean == 4.0

    answer_and_close(later, open_link_answers=0)
    history = focus_history_for(later)
    assert [cell.label for cell in history.sections[0].rows[0].cells] == [
        "Follow-up",
        "Autumn round",
    ]
    # A pulse shows no history of its own; a round with no earlier plan none at all.
    assert not focus_history_for(pulse)
    assert not focus_history_for(open_round)
