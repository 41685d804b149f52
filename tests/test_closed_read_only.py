"""After close, the forms that can no longer be saved (the self-assessment, the round's
settings) are shown read-only, rather than filled in and then refused. A page loaded before the
close (another tab) is refused with the reason, and nothing changes."""

from __future__ import annotations

import re

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.models import SelfRating
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import full_answers
from tests.helpers import login
from tests.helpers import visible_text

Q = questionnaire.load()


def main_of(client, path: str) -> str:
    reply = client.get(path)
    assert reply.status_code == 200
    return reply.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def test_a_closed_rounds_self_assessment_is_shown_not_offered(client, open_round):
    ratings = {item.id: (number % 5) + 1 for number, item in enumerate(Q.items)}
    ratings[Q.items[0].id] = None
    round_services.save_self_assessment(open_round, ratings)
    round_services.close_round(open_round)
    login(client, "leader@example.com")
    main = main_of(client, f"/rounds/{open_round.id}/self")
    assert "<form" not in main and "<input" not in main and "<button" not in main
    text = visible_text(main)
    assert "This round is closed, so your self-assessment can no longer change." in text
    first, second = Q.items[0], Q.items[1]
    answers = dict(re.findall(r"<dt>.*?</span> (.*?)</dt>\s*<dd>(.*?)</dd>", main, re.S))
    assert len(answers) == len(Q.items)
    assert answers[first.self_text] == Q.not_observed
    assert answers[second.self_text] == Q.scale[ratings[second.id] - 1]


def test_a_closed_round_without_a_self_assessment_says_so(client, open_round):
    round_services.close_round(open_round)
    login(client, "leader@example.com")
    text = visible_text(main_of(client, f"/rounds/{open_round.id}/self"))
    assert "you did not rate yourself in it, so the report has no “Self”" in text


def test_a_self_assessment_sent_from_a_page_older_than_the_close_is_refused(client, open_round):
    round_services.save_self_assessment(open_round, answer_all(Q, 3))
    login(client, "leader@example.com")
    assert "Save my self-assessment" in main_of(client, f"/rounds/{open_round.id}/self")
    round_services.close_round(open_round)  # in another tab
    reply = client.post(f"/rounds/{open_round.id}/self", data=full_answers("5"))
    assert reply.status_code == 302 and reply.location == f"/rounds/{open_round.id}"
    assert "the self-assessment can no longer change" in client.get(reply.location).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert {r.value for r in db.session.query(SelfRating)} == {3}


def test_a_closed_rounds_settings_are_shown_not_offered(client, open_round):
    round_services.close_round(open_round)
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert f'<a class="button secondary" href="/rounds/{open_round.id}/edit">Settings</a>' in page
    main = main_of(client, f"/rounds/{open_round.id}/edit")
    assert "<form" not in main and "<input" not in main and "<textarea" not in main
    text = visible_text(main)
    assert "This round is closed, so its settings can no longer change." in text
    assert "Title of this round Spring round" in text
    assert "LinkedIn, Bluesky" in text and "Anonymity threshold 3" in text
    assert "Maximum anonymity Off" in text


def test_settings_sent_from_a_page_older_than_the_close_are_refused(client, open_round):
    login(client, "leader@example.com")
    assert "Save changes" in main_of(client, f"/rounds/{open_round.id}/edit")
    round_services.close_round(open_round)  # in another tab
    reply = client.post(
        f"/rounds/{open_round.id}/edit", data={"title": "Renamed", "anonymity_threshold": "5"}
    )
    assert reply.status_code == 200
    text = visible_text(reply.get_data(as_text=True))
    assert "This round is closed; its settings can no longer change." in text
    assert "<input" not in reply.get_data(as_text=True).split("<main", 1)[1]
    db.session.expire_all()
    kept = db.session.get(Round, open_round.id)
    assert (kept.title, kept.anonymity_threshold) == ("Spring round", 3)
