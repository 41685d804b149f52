"""Issue 18 in real headless Chromium, JavaScript off, at 390 px: the leader writes, previews
and sends the word back, then makes the follow-up pulse; a respondent answers a pulse, switching
language on the way without losing an answer, by keyboard where a phone user with a keyboard
would. Screenshots go to /tmp/shots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.followup.plans import save_plan
from feedback360.followup.pulses import create_pulse
from feedback360.followup.survey import pulse_survey_of
from feedback360.keys import secret_keys
from feedback360.models import Answer
from feedback360.models import Invitation
from feedback360.models import Response
from feedback360.models import Round
from feedback360.models import User
from feedback360.models import WordBack
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import today
from feedback360.survey.forms import item_field
from feedback360.survey.pulse_form import change_field
from feedback360.tokens import issued_token
from tests.followup_setup import PLAN
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import answer_all
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import submit_via_token

pytestmark = pytest.mark.browser
Q = questionnaire.load()
PASSWORD = "a long enough password"


def closed_round_with_plan(leader: User, title: str) -> Round:
    a_round = round_services.create_round(
        leader, title=title, why="Why", platforms=["LinkedIn"], anonymity_threshold=3
    )
    lines = "\n".join(f"{title[:4].lower()}{i}@example.org, colleague" for i in range(5))
    created, errors = round_services.add_invitations(a_round, lines)
    assert not errors
    round_services.open_round(a_round)
    for _invitee, token in created[:4]:
        submit_via_token(token, answer_all(Q, 3))
    round_services.close_round(a_round)
    assert save_plan(a_round, leader, PLAN).ok
    return a_round


@pytest.fixture(scope="module")
def world(live_app):
    with live_app.app_context():
        leader = User(
            email="loop@example.com",
            name="Robin Example",
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
        )
        db.session.add(leader)
        db.session.commit()
        by_hand = closed_round_with_plan(leader, "Word round")
        asked = closed_round_with_plan(leader, "Pulse round")
        pulse = create_pulse(asked, leader, today(), today() + timedelta(days=14))
        invitation = db.session.scalars(select(Invitation).filter_by(round_id=pulse.id)).first()
        token = issued_token(secret_keys(), "invitation", invitation.nonce, invitation.token_hash)
        found = {"round": by_hand.id, "pulse": pulse.id, "pulse_token": token}
        db.session.remove()
    return found


def phone_without_script(browser, language="en-GB"):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale=language)
    return context, context.new_page()


def desktop_shot(page, name: str) -> None:
    """The same page at 1280 px, then back to the phone."""
    page.set_viewport_size(DESKTOP)
    assert overflow(page) == 0
    shot(page, name)
    page.set_viewport_size(PHONE)


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_the_leader_sends_the_word_back_then_makes_the_follow_up(
    browser, base_url, world, live_app
):
    context, page = phone_without_script(browser)
    try:
        page.goto(f"{base_url}/login")
        page.get_by_label("Email").fill("loop@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        click(page, "Log in")
        page.goto(f"{base_url}/rounds/{world['round']}/results")
        with page.expect_navigation():
            page.get_by_role("link", name="Send a word back to the people you asked").click()
        message = page.get_by_label("Your message")
        assert "Thank you for your feedback" in message.input_value()
        assert overflow(page) == 0
        shot(page, "word-back-draft-phone")
        message.fill(message.input_value() + "\n\nI read every answer with my coach.")
        click(page, "See it as they will")
        assert page.get_by_text("It goes once").is_visible()
        assert page.get_by_text("I read every answer with my coach.").is_visible()
        assert overflow(page) == 0
        shot(page, "word-back-preview-phone")
        desktop_shot(page, "word-back-preview-desktop")
        click(page, "Change the message")  # back, text kept, then forward again
        assert (
            "I read every answer with my coach." in page.get_by_label("Your message").input_value()
        )
        click(page, "See it as they will")
        click(page, "Send it to all 5 people asked")
        assert page.get_by_text("Your word back is on its way").is_visible()
        assert page.get_by_text("to everyone you asked").first.is_visible()
        shot(page, "word-back-sent-phone")
        with live_app.app_context():
            assert "with my coach" in db.session.get(WordBack, world["round"]).text
            db.session.remove()

        page.goto(f"{base_url}/rounds/{world['round']}")
        with page.expect_navigation():
            page.get_by_role("link", name="Plan a follow-up").click()
        assert page.get_by_text("Have you noticed a change in how they do this?").first.is_visible()
        assert overflow(page) == 0
        shot(page, "follow-up-phone")
        desktop_shot(page, "follow-up-desktop")
        page.get_by_label("The follow-up opens on").fill(today().isoformat())
        page.get_by_label("It closes after").fill((today() + timedelta(days=10)).isoformat())
        click(page, "Make the follow-up")
        assert page.get_by_text("The follow-up is open").is_visible()
        assert page.get_by_role("heading", name="A follow-up").is_visible()
        assert page.get_by_role("heading", name="Invite people by email").count() == 0
        shot(page, "follow-up-round-phone")
    finally:
        context.close()


def test_a_respondent_answers_the_pulse_switching_language(browser, base_url, world, live_app):
    with live_app.app_context():
        survey = pulse_survey_of(db.session.get(Round, world["pulse"]))
        db.session.remove()
    items = [item.id for item in survey.questionnaire.items]
    targets = [t.target.id for t in survey.targets]
    context, page = phone_without_script(browser, language="es-ES")
    try:
        page.goto(f"{base_url}/s/{world['pulse_token']}")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_text("¿Has notado algún cambio en cómo lo hace?").first.is_visible()
        assert page.locator("textarea").count() == 0
        assert overflow(page) == 0
        shot(page, "pulse-es-phone")
        desktop_shot(page, "pulse-es-desktop")
        # By keyboard: Space picks the focused option, the arrows move within its group.
        page.locator(f"#{item_field(items[0])}-0").focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.locator(f"#{item_field(items[0])}-2").is_checked()
        page.locator(f'label.choice:has(input[id="{change_field(targets[0])}-3"])').click()
        click(page, "Deutsch")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator(f"#{item_field(items[0])}-2").is_checked()
        assert page.locator(f"#{change_field(targets[0])}-3").is_checked()
        shot(page, "pulse-de-phone")
        for item_id in items[1:]:
            page.locator(f'label.choice:has(input[id="{item_field(item_id)}-4"])').click()
        for target_id in targets[1:]:
            page.locator(f'label.choice:has(input[id="{change_field(target_id)}-5"])').click()
        click(page, "English")
        click(page, "Step 2 of 2: check and send")
        assert page.get_by_role("heading", name="Check and send").is_visible()
        assert overflow(page) == 0
        shot(page, "pulse-review-phone")
        click(page, "Send my feedback")
        assert page.get_by_role("heading", name="Thank you").is_visible()
        with live_app.app_context():
            stored = dict(
                db.session.execute(
                    select(Answer.item_id, Answer.value)
                    .join(Response)
                    .where(Response.round_id == world["pulse"])
                ).all()
            )
            assert stored[items[0]] == 3 and all(stored[i] == 5 for i in items[1:])
            assert stored[f"change:{targets[0]}"] == 4  # "A little better"
            assert all(stored[f"change:{t}"] is None for t in targets[1:])  # "Can't say"
            count = db.session.scalar(
                select(func.count())
                .select_from(Response)
                .where(Response.round_id == world["pulse"])
            )
            assert count == 1
            db.session.remove()
    finally:
        context.close()
