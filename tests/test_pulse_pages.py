"""The follow-up pulse's pages (issue 18) on SQLite and PostgreSQL: the leader makes it from a
closed round with a plan; a respondent answers its focus statements and the change question,
in two steps, and only what `followup.survey.pulse_answers` says is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360.extensions import db
from feedback360.followup import word_backs
from feedback360.followup.pulses import open_pulse_link_for
from feedback360.followup.survey import pulse_answers
from feedback360.followup.survey import pulse_minutes
from feedback360.followup.survey import pulse_survey_of
from feedback360.models import Answer
from feedback360.models import Comment
from feedback360.models import Response
from feedback360.models import Round
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import today
from feedback360.survey.forms import item_field
from feedback360.survey.pulse_form import change_field
from tests.followup_setup import answer_and_close
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import answers_on_page
from tests.helpers import login
from tests.helpers import review_url
from tests.helpers import visible_text


def pulse_answered_form(pulse, value: str = "4", change: str = "a_little_better") -> dict:
    survey = pulse_survey_of(pulse)
    data = {item_field(item.id): value for item in survey.questionnaire.items}
    data |= {change_field(t.target.id): change for t in survey.targets}
    return data


@pytest.fixture
def pulse(open_round, leader):
    closed_round_with_plan(open_round, leader)
    return pulse_today(open_round, leader)


def stored_answers() -> set[tuple[str, int | None]]:
    return set(db.session.execute(select(Answer.item_id, Answer.value)).all())


# --- The respondent ---------------------------------------------------------------------------


def test_the_pulse_asks_the_focus_statements_and_the_change_question(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    survey = pulse_survey_of(pulse)
    for item in survey.questionnaire.items:
        assert item.text in text
    assert text.count("Have you noticed a change in how they do this?") == len(survey.targets)
    assert "Can’t say" in text and "Clearly better" in text
    html = page.get_data(as_text=True)
    assert "<textarea" not in html and 'name="platforms"' not in html
    minutes = pulse_minutes(pulse, "colleague", open_link=False)
    assert minutes <= 2 and "Step 1 of 2" in text and f"about {minutes} minute" in text


def test_answers_are_reviewed_then_stored_as_pulse_answers_says(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    data = pulse_answered_form(pulse) | {"comment_purpose": "I should not be stored"}
    review = client.post(review_url(token), data=data)
    assert review.status_code == 200
    assert "Step 2 of 2" in visible_text(review.get_data(as_text=True))
    responses_before = db.session.scalar(select(Response.id).limit(1))
    sent = client.post(f"/s/{token}?go=send", data=answers_on_page(review.get_data(as_text=True)))
    assert sent.status_code == 302 and "/s/thanks" in sent.headers["Location"]

    survey = pulse_survey_of(pulse)
    expected = pulse_answers(
        survey,
        {item.id: 4 for item in survey.questionnaire.items},
        {t.target.id: "a_little_better" for t in survey.targets},
    )
    rows = db.session.execute(
        select(Answer.item_id, Answer.value).join(Response).where(Response.round_id == pulse.id)
    ).all()
    assert dict(rows) == expected and len(rows) == len(expected)
    assert db.session.scalar(select(Comment.id).limit(1)) is None
    assert responses_before is None or responses_before  # the original's answers are kept
    again = client.get(f"/s/{token}")
    assert again.status_code == 409


def test_missing_answers_are_asked_for_and_the_rest_kept(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    data = pulse_answered_form(pulse, value="2")
    first_change = change_field(pulse_survey_of(pulse).targets[0].target.id)
    del data[first_change]
    page = client.post(review_url(token), data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Please check 1 answer" in visible_text(html)
    assert f'href="#{first_change}-fieldset"' in html
    kept = answers_on_page(html)
    assert all(kept.get(name) == value for name, value in data.items())


def test_a_forged_answer_is_refused_and_nothing_stored(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    survey = pulse_survey_of(pulse)
    data = pulse_answered_form(pulse)
    data[change_field(survey.targets[0].target.id)] = "much_much_better"
    data[item_field(survey.questionnaire.items[0].id)] = "9"
    before = stored_answers()
    page = client.post(f"/s/{token}?go=send", data=data)
    assert page.status_code == 200
    assert "Not a valid choice" in page.get_data(as_text=True)
    assert stored_answers() == before


def test_a_closed_pulse_says_so(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    round_services.close_round(pulse)
    page = client.get(f"/s/{token}")
    assert page.status_code == 410
    assert "This follow-up has closed" in visible_text(page.get_data(as_text=True))


def test_the_old_open_link_points_to_the_pulse_and_shows_the_word_back(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    old = open_round.old_open_link
    word_backs.send_word_back(open_round, leader, "Thank you.\n\nI will say what each post is for.")
    page = client.get(f"/s/{old}")
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 410
    assert "A word back from Lee Leader" in text and "I will say what each post is for." in text
    assert "Answer the follow-up" not in text

    pulse = pulse_today(open_round, leader)
    html = client.get(f"/s/{old}").get_data(as_text=True)
    new_token = open_pulse_link_for(old)
    assert f'href="/s/{new_token}"' in html
    follow_up = client.get(f"/s/{new_token}")
    assert "Have you noticed a change" in follow_up.get_data(as_text=True)
    round_services.close_round(pulse)
    after = visible_text(client.get(f"/s/{new_token}").get_data(as_text=True))
    assert "This follow-up has closed" in after and "I will say what each post is for." in after


def test_the_pulse_in_spanish_keeps_the_answers_when_switching(client, pulse):
    token = pulse_tokens(pulse)["colleague0@example.org"]
    data = pulse_answered_form(pulse, value="3", change="no_change")
    page = client.post(f"/s/{token}?go=change&lang=es", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Have you noticed a change" not in html
    kept = answers_on_page(html)
    assert all(kept.get(name) == value for name, value in data.items())


# --- The leader makes it ----------------------------------------------------------------------


def test_the_follow_up_page_says_what_it_asks_and_makes_it(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    login(client, leader.email)
    round_page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert f'href="/rounds/{open_round.id}/follow-up"' in round_page
    page = client.get(f"/rounds/{open_round.id}/follow-up")
    html = page.get_data(as_text=True)
    text = visible_text(html)
    assert page.status_code == 200
    survey = pulse_survey_of_targets(open_round)
    for item in survey.questionnaire.items:
        assert item.text in text
    assert "Have you noticed a change in how they do this?" in text
    suggested = (open_round.closed_on or today()) + timedelta(weeks=8)
    assert f'value="{max(suggested, today() + timedelta(days=1)).isoformat()}"' in html

    made = client.post(
        f"/rounds/{open_round.id}/follow-up",
        data={
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=14)).isoformat(),
        },
        follow_redirects=True,
    )
    pulse = db.session.scalar(select(Round).where(Round.parent_round_id == open_round.id))
    assert pulse is not None and pulse.status == "open"
    shown = visible_text(made.get_data(as_text=True))
    assert "The follow-up is open" in shown and "A follow-up" in shown
    assert "Invite people by email" not in shown and "Rate yourself" not in shown
    dashboard = client.get("/").get_data(as_text=True)
    assert f"/rounds/{pulse.id}" in dashboard
    # A second post finds it made: the leader lands on it, nothing new is made.
    again = client.post(
        f"/rounds/{open_round.id}/follow-up",
        data={
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=14)).isoformat(),
        },
    )
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/rounds/{pulse.id}")
    count = db.session.scalar(select(func.count()).where(Round.parent_round_id == open_round.id))
    assert count == 1


def test_wrong_dates_are_said_at_the_field_and_kept(client, open_round, leader):
    closed_round_with_plan(open_round, leader)
    login(client, leader.email)
    opens = (today() + timedelta(days=50)).isoformat()
    page = client.post(
        f"/rounds/{open_round.id}/follow-up", data={"opens_on": opens, "closes_on": opens}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The follow-up must close after the day it opens." in visible_text(html)
    assert f'value="{opens}"' in html
    past = client.post(
        f"/rounds/{open_round.id}/follow-up",
        data={"opens_on": "2020-01-01", "closes_on": "2020-02-01"},
    )
    assert "cannot open in the past" in visible_text(past.get_data(as_text=True))
    broken = client.post(f"/rounds/{open_round.id}/follow-up", data={"opens_on": "soon"})
    assert broken.status_code == 200 and "Please check" in visible_text(
        broken.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).where(Round.kind == "pulse")) == 0


def test_without_a_plan_the_follow_up_page_points_to_it(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    page = client.get(f"/rounds/{open_round.id}/follow-up")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'href="/rounds/{open_round.id}/plan"' in html
    assert "Make your plan first" in visible_text(html)


def test_only_the_leader_makes_the_follow_up(client, open_round, leader, other_leader):
    closed_round_with_plan(open_round, leader)
    login(client, other_leader.email)
    assert client.get(f"/rounds/{open_round.id}/follow-up").status_code == 404
    data = {"opens_on": today().isoformat(), "closes_on": (today() + timedelta(days=9)).isoformat()}
    assert client.post(f"/rounds/{open_round.id}/follow-up", data=data).status_code == 404
    assert db.session.scalar(select(func.count()).where(Round.kind == "pulse")) == 0


def pulse_survey_of_targets(original):
    from feedback360 import questionnaire
    from feedback360.followup.plans import plan_of
    from feedback360.pulse import pulse_survey

    q = questionnaire.load(original.questionnaire_version)
    return pulse_survey(q, [entry.target_id for entry in plan_of(original)])
