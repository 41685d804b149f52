"""The original round's pages say where its follow-up stands (dates, state, a way to its
results once closed), and a follow-up's own page offers only what a follow-up may do, the
services refusing the rest. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from feedback360.followup.pulses import create_pulse
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import today
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.helpers import login
from tests.helpers import section_of
from tests.helpers import visible_text


def follow_up_block(client, path: str) -> tuple[str, str]:
    html = client.get(path).get_data(as_text=True)
    block = section_of(html, "follow-up")
    return block, visible_text(block)


def test_a_follow_up_waiting_to_open_shows_its_dates(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    opens, closes = today() + timedelta(weeks=6), today() + timedelta(weeks=8)
    pulse = create_pulse(open_round, leader, opens, closes)
    login(client, leader.email)
    block, text = follow_up_block(client, f"/rounds/{open_round.id}")
    assert "waiting to open" in text
    assert f"It opens by itself on {opens:%-d %B %Y}" in text
    assert f"closes after {closes:%-d %B %Y}" in text
    assert f'href="/rounds/{pulse.id}"' in block and "/results" not in block


def test_an_open_follow_up_says_so(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse_today(open_round, leader)
    login(client, leader.email)
    _, text = follow_up_block(client, f"/rounds/{open_round.id}")
    assert "open" in text.split() and f"Open since {today():%-d %B %Y}" in text


def closed_pulse(a_round, leader, coach):
    round_services.share_with_coach(a_round, coach.email)
    closed_round_with_plan(a_round, leader)
    pulse = pulse_today(a_round, leader)
    round_services.close_round(pulse)
    return pulse


def test_a_closed_follow_up_links_to_its_results(client, open_round, leader, coach):
    pulse = closed_pulse(open_round, leader, coach)
    login(client, leader.email)
    for path in (f"/rounds/{open_round.id}", f"/rounds/{open_round.id}/results"):
        block, text = follow_up_block(client, path)
        assert "closed" in text and f"closed on {today():%-d %B %Y}" in text
        assert f'href="/rounds/{pulse.id}/results"' in block


def test_the_coach_finds_the_follow_ups_results_from_the_rounds(client, open_round, leader, coach):
    pulse = closed_pulse(open_round, leader, coach)
    login(client, coach.email)
    block, _ = follow_up_block(client, f"/rounds/{open_round.id}/results")
    assert f'href="/rounds/{pulse.id}/results"' in block
    assert f'href="/rounds/{pulse.id}"' not in block  # the round page is the leader's
    assert client.get(f"/rounds/{pulse.id}/results").status_code == 200
