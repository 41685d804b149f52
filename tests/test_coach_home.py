"""A coach's way in: the mail that shares a round leads someone without an account to create one
for that address (not to a login form); a coach is told when a shared round closes; their home
page leads with the rounds shared with them. Real SMTP (aiosmtpd), both databases."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import OutboxMessage
from feedback360.models import User
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import login
from tests.helpers import share_for
from tests.helpers import submit_via_token
from tests.test_mail import BASE_URL
from tests.test_mail import Inbox
from tests.test_mail import body
from tests.test_mail import deliver_all
from tests.test_mail import smtp_server

Q = questionnaire.load()
NEWCOMER = "newcoach@example.org"


@pytest.fixture
def smtp(app):
    app.config["BASE_URL"] = BASE_URL
    with smtp_server(app, Inbox()) as inbox:
        yield inbox


def path_of_button(message) -> str:
    """The path the mail's one button leads to (the plain text holds the same link)."""
    text = body(message, "plain")
    link = re.search(rf"{re.escape(BASE_URL)}\S+", text)[0]
    return urlsplit(link).path


def test_the_share_mail_leads_a_newcomer_to_an_account_for_that_address(client, smtp, open_round):
    round_services.share_with_coach(open_round, NEWCOMER)
    deliver_all()
    (notice,) = smtp.to(NEWCOMER)
    text = " ".join(body(notice, "plain").split())
    assert "create your feedback360 account for this address" in text
    assert "/login" not in body(notice, "plain") and "/login" not in body(notice, "html")
    path = path_of_button(notice)
    assert path.startswith("/register/")

    page = client.get(path)
    assert page.status_code == 200
    assert NEWCOMER in page.text, "the form is for the address the round was shared with"
    reply = client.post(
        path,
        data={
            "name": "Nia Newcoach",
            "password": "a long pass phrase",
            "confirm": "a long pass phrase",
        },
        follow_redirects=True,
    )
    assert "Welcome, Nia Newcoach" in reply.text
    assert db.session.scalar(select(User).where(User.email == NEWCOMER)) is not None
    home = reply.text
    assert home.index("Shared with me as coach") < home.index("Rounds I lead")
    assert open_round.title in home.split("Shared with me as coach", 1)[1].split("Rounds I lead")[0]
    assert "No rounds yet" not in home, "a coach is not greeted as a leader with nothing to do"


def test_a_coach_with_an_account_is_led_to_the_page_itself(client, smtp, open_round, coach):
    round_services.share_with_coach(open_round, coach.email)
    deliver_all()
    (notice,) = smtp.to(coach.email)
    assert path_of_button(notice) == "/"
    assert "/register" not in body(notice, "plain")


def test_coaches_are_told_when_a_shared_round_closes(client, smtp, open_round, coach):
    round_services.share_with_coach(open_round, coach.email)
    round_services.share_with_coach(open_round, NEWCOMER)
    deliver_all()
    smtp.messages.clear()
    for address in ("staff0@example.org", "staff1@example.org", "staff2@example.org"):
        submit_via_token(open_round.tokens[address], answer_all(Q, 4))
    round_services.close_round(open_round)
    assert deliver_all().failed == 0
    (closed,) = smtp.to(coach.email)
    assert "feedback round has closed: the report is ready" in closed["Subject"]
    assert path_of_button(closed) == f"/rounds/{open_round.id}/results"
    text = " ".join(body(closed, "plain").split())
    assert "It stays in your copy until you choose to share it with Lee Leader" in text
    (newcomer,) = smtp.to(NEWCOMER)
    assert path_of_button(newcomer).startswith("/register/")
    assert [m["To"] for m in smtp.messages if m["To"] not in (coach.email, NEWCOMER)] == []

    login(client, coach.email)
    page = client.get(path_of_button(closed))
    assert page.status_code == 200 and f"Results: {open_round.title}" in page.text


def test_the_coach_asked_to_approve_is_mailed_a_way_to_the_list(client, smtp, draft_round, coach):
    round_services.share_with_coach(draft_round, coach.email)
    approval.ask_coach_to_review(draft_round, share_for(draft_round, coach.email))
    deliver_all()
    review = next(m for m in smtp.to(coach.email) if "asks you to approve" in m["Subject"])
    assert path_of_button(review) == f"/rounds/{draft_round.id}/rater-list"
    text = " ".join(body(review, "plain").split())
    assert "never who has answered or declined" in text
    login(client, coach.email)
    assert client.get(path_of_button(review)).status_code == 200


def test_stopping_a_share_drops_the_mail_still_waiting_for_that_coach(smtp, open_round, coach):
    round_services.share_with_coach(open_round, coach.email)
    round_services.share_with_coach(open_round, NEWCOMER)
    round_services.sharing.stop_sharing(share_for(open_round, coach.email))
    waiting = select(OutboxMessage.to_address).where(OutboxMessage.kind == "coach_share")
    assert db.session.scalars(waiting).all() == [NEWCOMER]


def test_a_coach_who_also_leads_sees_both_shared_rounds_first(client, leader, coach, draft_round):
    round_services.share_with_coach(draft_round, coach.email)
    approval.ask_coach_to_review(draft_round, share_for(draft_round, coach.email))
    round_services.create_round(
        coach, title="Cora's own round", platforms=[], anonymity_threshold=3
    )
    login(client, coach.email)
    home = client.get("/").text
    shared, led = home.split("Shared with me as coach", 1)[1].split("Rounds I lead")
    assert draft_round.title in shared and "Approve the rater list" in shared
    assert "Cora&#39;s own round" in led

    add_user("plain@example.com", "Pat Plain")
    client.post("/logout")
    login(client, "plain@example.com")
    home = client.get("/").text
    assert "No rounds yet" in home and "No leader has shared a round with" in home


def test_a_coach_shared_into_a_closed_round_is_told_it_is_ready(smtp, open_round, coach):
    round_services.close_round(open_round)
    round_services.share_with_coach(open_round, coach.email)
    deliver_all()
    (notice,) = smtp.to(coach.email)
    text = " ".join(body(notice, "plain").split())
    assert "It has closed: its results and the PDF report are ready for you." in text
    assert "we email you then" not in text
