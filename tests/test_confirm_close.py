"""Closing a round is final, so it is asked first: the round page links to a page that says
what closing does (no more answers, reminders dropped, what the report does with the small
groups, the report built), with a button that closes and a way back. Without JavaScript: a GET
page with a POST form. A second click, another tab or a stale page gets a plain word, not a 500."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.anonymity import closing_groups_notice
from feedback360.extensions import db
from feedback360.models import Response
from feedback360.models import Round
from feedback360.rounds import services as round_services
from feedback360.rounds.services.progress import progress_of
from tests.helpers import PASSWORD
from tests.helpers import answer_all
from tests.helpers import login
from tests.helpers import submit_via_token
from tests.helpers import visible_text

Q = questionnaire.load()


def answer(a_round, *emails: str) -> None:
    for email in emails:
        submit_via_token(a_round.tokens[email], answer_all(Q, 4))


def close_page(client, a_round) -> str:
    reply = client.get(f"/rounds/{a_round.id}/close")
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def status_of(a_round) -> str:
    db.session.expire_all()
    return db.session.get(Round, a_round.id).status


def test_the_round_page_asks_first_instead_of_closing(client, open_round):
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert f'<a class="button danger" href="/rounds/{open_round.id}/close">' in page
    assert f'action="/rounds/{open_round.id}/close"' not in page, "no form that closes at once"


def test_the_close_page_says_what_closing_does_and_changes_nothing(client, open_round):
    answer(open_round, "colleague0@example.org", "staff0@example.org", "staff1@example.org")
    round_services.share_with_coach(open_round, "coach@example.org")
    login(client, "leader@example.com")
    html = close_page(client, open_round)
    text = visible_text(html)
    assert "Close “Spring round”?" in text
    assert "Closing is final: a closed round cannot be opened again." in text
    assert "No more answers. Every survey link stops working" in text
    assert (
        "Reminders are dropped." in text and "invitation emails not yet sent are not sent" in text
    )
    assert "The report is built" in text and "for the coach you shared the round with" in text
    folded = closing_groups_notice(progress_of(open_round))
    assert "shown only together" in folded and "Colleagues (1), Staff (2)" in folded
    assert folded in text, "the wording of anonymity.closing_forecast, not restated"
    assert "Nothing that changes as people answer or decline is shown for other" in text
    assert "You have not rated yourself" in text
    assert "closes by itself after" in text
    form = re.search(r'<form method="post" novalidate>(.*?)</form>', html, re.S)[1]
    assert "Close the round and build the report</button>" in form
    assert f'href="/rounds/{open_round.id}#progress">Cancel, keep it open</a>' in form
    assert "<script" not in html
    assert status_of(open_round) == "open", "looking at the page closes nothing"


def test_the_close_page_says_when_groups_are_left_out_or_all_shown(client, open_round):
    login(client, "leader@example.com")
    everyone_or_nobody = visible_text(close_page(client, open_round))
    assert "Every group counted on the round page has no responses or at least 3" in (
        everyone_or_nobody
    )
    answer(open_round, "colleague0@example.org")
    left_out = visible_text(close_page(client, open_round))
    assert "If you close now, these will not be shown" in left_out
    assert "Colleagues (1)" in left_out


def test_confirming_closes_the_round_and_builds_the_report(client, open_round):
    answer(open_round, *(f"colleague{i}@example.org" for i in range(3)))
    round_services.save_self_assessment(open_round, answer_all(Q, 3))
    login(client, "leader@example.com")
    assert "You have not rated yourself" not in visible_text(close_page(client, open_round))
    reply = client.post(f"/rounds/{open_round.id}/close")
    assert reply.status_code == 302 and reply.location == f"/rounds/{open_round.id}"
    assert "The round is closed. The results and report are ready." in client.get(
        reply.location
    ).get_data(as_text=True)
    assert status_of(open_round) == "closed"
    assert client.get(f"/rounds/{open_round.id}/results").status_code == 200


def test_a_second_click_says_the_round_is_closed_and_changes_nothing(client, open_round):
    answer(open_round, *(f"colleague{i}@example.org" for i in range(3)))
    login(client, "leader@example.com")
    first = client.post(f"/rounds/{open_round.id}/close")
    responses = db.session.scalars(select(Response.id).order_by(Response.id)).all()
    second = client.post(f"/rounds/{open_round.id}/close")
    assert (first.status_code, second.status_code) == (302, 302)
    page = client.get(second.location).get_data(as_text=True)
    assert '<p class="flash flash-info">This round is already closed' in page
    assert "flash-error" not in page
    assert db.session.scalars(select(Response.id).order_by(Response.id)).all() == responses, (
        "not shuffled again"
    )
    assert status_of(open_round) == "closed"


def test_a_page_from_before_another_tab_closed_the_round(client, open_round):
    login(client, "leader@example.com")
    close_page(client, open_round)  # the leader's first tab shows the question
    round_services.close_round(db.session.get(Round, open_round.id))  # the second tab closes
    stale = client.post(f"/rounds/{open_round.id}/close", follow_redirects=True)
    assert stale.status_code == 200
    assert "This round is already closed" in stale.get_data(as_text=True)
    again = client.get(f"/rounds/{open_round.id}/close")
    assert again.status_code == 302 and again.location == f"/rounds/{open_round.id}"
    assert "This round is already closed" in client.get(again.location).get_data(as_text=True)


def test_a_draft_round_cannot_be_closed_and_says_so(client, draft_round):
    login(client, "leader@example.com")
    for reply in (
        client.get(f"/rounds/{draft_round.id}/close", follow_redirects=True),
        client.post(f"/rounds/{draft_round.id}/close", follow_redirects=True),
    ):
        assert reply.status_code == 200
        assert "Only an open round can be closed." in reply.get_data(as_text=True)
    assert status_of(draft_round) == "draft"


def test_closing_needs_the_pages_csrf_token(csrf_app, leader, open_round):
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
    client.post(
        "/login",
        data={
            "email": "leader@example.com",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    page = close_page(client, open_round)
    forged = client.post(f"/rounds/{open_round.id}/close")
    assert forged.status_code == 400 and status_of(open_round) == "open"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(f"/rounds/{open_round.id}/close", data={"csrf_token": token})
    assert status_of(open_round) == "closed"


def test_another_leader_cannot_see_or_use_the_close_page(client, other_leader, open_round):
    login(client, "other@example.com")
    assert client.get(f"/rounds/{open_round.id}/close").status_code == 404
    assert client.post(f"/rounds/{open_round.id}/close").status_code == 404
    assert db.session.scalar(select(func.count()).where(Round.status == "closed")) == 0
