"""The word back's pages (issue 18) on SQLite and PostgreSQL: a draft to edit, a preview that
says who it goes to, one send; the same page then shows what went and when (the date only)."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360.extensions import db
from feedback360.followup import word_backs
from feedback360.models import OutboxMessage
from feedback360.models import WordBack
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import today
from tests.followup_setup import answer_and_close
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.helpers import login
from tests.helpers import visible_text

MESSAGE = "Thank you all.\n\nI heard that my posts rarely say what they are for.\n\nLee"


def word_back_mail() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.kind == "word_back"))


def test_the_round_and_results_pages_lead_to_the_word_back(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    login(client, leader.email)
    for page in (f"/rounds/{open_round.id}", f"/rounds/{open_round.id}/results"):
        html = client.get(page).get_data(as_text=True)
        assert f'href="/rounds/{open_round.id}/word-back"' in html
        assert "Send a word back to the people you asked" in html


def test_the_draft_is_offered_then_previewed_then_sent_once(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    login(client, leader.email)
    url = f"/rounds/{open_round.id}/word-back"
    page = client.get(url)
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Thank you for your feedback on how I show up online." in text  # the draft
    assert "Say in each post what it is for." in text  # from the plan
    invitees = len(open_round.invitations)
    assert f"all {invitees} people you asked, whether they answered or not" in text
    assert "People who asked for no more emails get nothing." in text

    preview = client.post(f"{url}?go=preview", data={"text": MESSAGE})
    shown = visible_text(preview.get_data(as_text=True))
    assert "It goes once" in shown and "I heard that my posts rarely say" in shown
    assert f"Send it to all {invitees} people asked" in shown
    assert word_back_mail() == 0  # nothing is sent by a preview

    changed = client.post(f"{url}?go=edit", data={"text": MESSAGE})
    assert "I heard that my posts rarely say" in changed.get_data(as_text=True)
    assert "<textarea" in changed.get_data(as_text=True)

    sent = client.post(f"{url}?go=send", data={"text": MESSAGE}, follow_redirects=True)
    after = visible_text(sent.get_data(as_text=True))
    assert "Your word back is on its way to everyone you asked." in after
    day = today().strftime("%-d %B %Y")
    assert f"Sent on {day} to everyone you asked" in after
    assert word_back_mail() == invitees
    assert db.session.get(WordBack, open_round.id).text == MESSAGE

    again = client.post(f"{url}?go=send", data={"text": "Once more"}, follow_redirects=True)
    assert again.status_code == 200
    assert "it goes once" in visible_text(again.get_data(as_text=True))
    assert word_back_mail() == invitees and db.session.get(WordBack, open_round.id).text == MESSAGE


def test_an_empty_or_long_message_is_refused_and_the_text_kept(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    login(client, leader.email)
    url = f"/rounds/{open_round.id}/word-back"
    empty = client.post(f"{url}?go=send", data={"text": "   "})
    assert empty.status_code == 200
    assert "Write a message before sending it." in visible_text(empty.get_data(as_text=True))
    long = "I will listen. " * 300
    page = client.post(f"{url}?go=preview", data={"text": long})
    html = page.get_data(as_text=True)
    assert "Please keep the message to 4000 characters" in visible_text(html)
    assert "I will listen. I will listen." in html and "Please check 1 answer" in visible_text(html)
    assert word_back_mail() == 0 and word_backs.word_back_of(open_round) is None


def test_only_the_leader_sees_the_word_back_page(client, open_round, leader, coach):
    closed_round_with_plan(open_round, leader)
    round_services.share_with_coach(open_round, coach.email)
    login(client, coach.email)
    url = f"/rounds/{open_round.id}/word-back"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}?go=send", data={"text": MESSAGE}).status_code == 404
    assert word_back_mail() == 0


def test_an_open_round_has_no_word_back_yet(client, open_round, leader):
    login(client, leader.email)
    page = client.get(f"/rounds/{open_round.id}/word-back", follow_redirects=True)
    assert "once the round has closed" in visible_text(page.get_data(as_text=True))


def test_without_a_plan_the_draft_points_to_the_plan(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    html = client.get(f"/rounds/{open_round.id}/word-back").get_data(as_text=True)
    assert f'href="/rounds/{open_round.id}/plan"' in html
    assert "Thank you for your feedback" in html


def test_a_follow_up_has_no_word_back_of_its_own(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    login(client, leader.email)
    assert client.get(f"/rounds/{pulse.id}/word-back").status_code == 404


@pytest.mark.parametrize(
    ("language", "heading", "follow_up"),
    [
        (
            "es",
            "Unas palabras de vuelta a las personas a las que preguntaste",
            "Haz primero tu plan",
        ),
        ("fr", "Un message de retour aux personnes sollicitées", "Établissez d’abord votre plan"),
        ("de", "Eine Rückmeldung an die Befragten", "Erst den Plan machen"),
    ],
)
def test_the_pages_speak_the_leaders_language(
    client, open_round, leader, language, heading, follow_up
):
    answer_and_close(open_round)
    login(client, leader.email)
    headers = {"Accept-Language": language}
    page = visible_text(client.get(f"/rounds/{open_round.id}/word-back", headers=headers).text)
    assert heading in page and "A word back to the people you asked" not in page
    plan = visible_text(client.get(f"/rounds/{open_round.id}/follow-up", headers=headers).text)
    assert follow_up in plan and "Make your plan first" not in plan
