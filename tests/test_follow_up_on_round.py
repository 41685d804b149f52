"""The original round's pages say where its follow-up stands (dates, state, a way to its
results once closed), and a follow-up's own page offers only what a follow-up may do, the
services refusing the rest. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback360.extensions import db
from feedback360.followup.pulses import create_pulse
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import RoundError
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


# --- A follow-up's own page offers only what a follow-up may do ------------------------------


def test_the_follow_ups_page_hides_what_would_break_the_comparison(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    login(client, leader.email)
    html = client.get(f"/rounds/{pulse.id}").get_data(as_text=True)
    for path in ("edit", "self", "open-links", "shares", "invitations"):
        assert f'"/rounds/{pulse.id}/{path}"' not in html, path
    assert f'href="/rounds/{open_round.id}#coach"' in html
    # What it may still do: remind, close, delete, a new link for one person.
    for path in ("close", "delete"):
        assert f'"/rounds/{pulse.id}/{path}"' in html, path


def test_the_services_refuse_it_too(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    refusals = {
        "keeps the settings of its round": lambda: round_services.update_round(
            pulse, anonymity_threshold=pulse.anonymity_threshold + 1
        ),
        "has no self-assessment": lambda: round_services.save_self_assessment(pulse, {}),
        "open links only for the groups its round had": lambda: round_services.ensure_open_link(
            pulse, "colleague"
        ),
        "seen by the coaches of its round": lambda: round_services.share_with_coach(
            pulse, "coach@example.com"
        ),
    }
    threshold = pulse.anonymity_threshold
    for words, attempt in refusals.items():
        with pytest.raises(RoundError, match=words):
            attempt()
    db.session.expire_all()
    assert pulse.anonymity_threshold == threshold and not pulse.shares
    assert {link.rater_group for link in pulse.open_links} == {"follower"}


def test_a_refused_page_says_why_on_the_follow_ups_page(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    login(client, leader.email)
    for path in ("edit", "self"):
        page = client.get(f"/rounds/{pulse.id}/{path}", follow_redirects=True)
        assert page.status_code == 200 and page.request.path == f"/rounds/{pulse.id}"
        assert "A follow-up" in visible_text(page.get_data(as_text=True))
    posted = client.post(
        f"/rounds/{pulse.id}/edit",
        data={"title": "x", "anonymity_threshold": "9"},
        follow_redirects=True,
    )
    assert "keeps the settings of its round" in visible_text(posted.get_data(as_text=True))
    shared = client.post(
        f"/rounds/{pulse.id}/shares", data={"email": "coach@example.com"}, follow_redirects=True
    )
    assert "seen by the coaches of its round" in visible_text(shared.get_data(as_text=True))
    made = client.post(
        f"/rounds/{pulse.id}/open-links", data={"group": "colleague"}, follow_redirects=True
    )
    assert "open links only for the groups" in visible_text(made.get_data(as_text=True))
