"""One list of platforms: the leader picks from the same list, with the same labels, that
respondents tick, both from the round's questionnaire. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from tests.helpers import invite
from tests.helpers import login

Q = questionnaire.load()
CHECKBOX = re.compile(
    r'<input[^>]*name="platforms"[^>]*value="([^"]+)"[^>]*>\s*<label[^>]*>([^<]+)</label>'
)
CHECKED = re.compile(r'<input checked[^>]*name="platforms"[^>]*value="([^"]+)"')


def choices(html: str) -> list[tuple[str, str]]:
    return CHECKBOX.findall(html)


def test_leader_and_respondent_pick_from_one_list_with_the_same_labels(client, leader):
    login(client, "leader@example.com")
    for_leader = choices(client.get("/rounds/new").text)
    a_round = round_services.create_round(
        leader, title="R", platforms=["threads"], closes_on=None, anonymity_threshold=3
    )
    token = invite(a_round, "s@example.org, staff")["s@example.org"]
    round_services.open_round(a_round)
    for_respondent = choices(client.get(f"/s/{token}").text)
    assert for_leader == for_respondent == [(p.id, p.label) for p in Q.platforms]
    labels = [label for _, label in for_respondent]
    assert len(labels) == 11
    assert {"Threads", "YouTube", "TikTok", "Podcast"} <= set(labels)


def test_a_round_stores_ids_and_the_report_prints_their_labels(client, leader):
    login(client, "leader@example.com")
    reply = client.post(
        "/rounds/new",
        data={"title": "R", "platforms": ["youtube", "x"], "anonymity_threshold": "3"},
    )
    assert reply.status_code == 302
    a_round = db.session.scalar(select(Round))
    assert a_round.platforms == ["youtube", "x"]
    round_services.open_round(a_round)
    round_services.close_round(a_round)
    assert report_data(a_round).platforms == ("YouTube", "X / Twitter")


def test_a_round_from_before_keeps_its_platforms_in_the_form_and_the_report(client, leader):
    """Rounds made before one list stored the leader's labels; they read as the same ids."""
    a_round = round_services.create_round(
        leader,
        title="Old",
        platforms=["LinkedIn", "X / Twitter", "Blog / newsletter"],
        closes_on=None,
        anonymity_threshold=3,
    )
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{a_round.id}/edit").text
    assert CHECKED.findall(page) == ["linkedin", "x", "blog"]
    a_round_id = a_round.id
    round_services.open_round(a_round)
    round_services.close_round(a_round)
    shown = report_data(db.session.get(Round, a_round_id)).platforms
    assert shown == ("LinkedIn", "X / Twitter", "Blog / newsletter")


def test_an_older_questionnaires_round_offers_its_own_respondents_list(client, leader):
    older = questionnaire.load("2026.2")
    a_round = round_services.create_round(
        leader, title="2026.2", platforms=[], closes_on=None, anonymity_threshold=3
    )
    a_round.questionnaire_version = "2026.2"
    db.session.commit()
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{a_round.id}/edit").text
    assert choices(page) == [(p.id, p.label) for p in older.platforms]
    token = invite(a_round, "s@example.org, staff")["s@example.org"]
    round_services.open_round(a_round)
    assert choices(client.get(f"/s/{token}").text) == choices(page)
