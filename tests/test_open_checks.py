"""Opening sends the invitations and cannot be undone: a round with nobody to ask does not
open, and one without the leader's self-rating opens only once they chose to go without it,
each on a page that explains (not a 500, not a silent open). The round page's steps mark only
what is done."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.readiness import NO_SELF_RATING
from feedback360.readiness import NOBODY_TO_ASK
from feedback360.readiness import may_open
from feedback360.readiness import missing_before_open
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import visible_text

Q = questionnaire.load()


def status_of(a_round) -> str:
    db.session.expire_all()
    return db.session.get(Round, a_round.id).status


def mail_queued() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def steps(client, a_round) -> list[tuple[str, bool]]:
    """Each step of the round page: its words, and whether it is marked done."""
    page = client.get(f"/rounds/{a_round.id}").get_data(as_text=True)
    listed = re.search(r'<ol class="steps"[^>]*>(.*?)</ol>', page, re.S)[1]
    return [
        (visible_text(body).replace(" ✓ (done)", ""), "done" in css)
        for css, body in re.findall(r'<li(?: class="([^"]*)")?>(.*?)</li>', listed, re.S)
    ]


def test_what_is_missing_before_open():
    assert missing_before_open(0, 0, False) == (NOBODY_TO_ASK, NO_SELF_RATING)
    assert missing_before_open(3, 0, True) == ()
    assert missing_before_open(0, 1, True) == (), "an open link is someone to ask"
    assert missing_before_open(3, 0, False) == (NO_SELF_RATING,)
    assert not may_open((NOBODY_TO_ASK,), accepted=True), "nobody to ask always blocks"
    assert not may_open((NO_SELF_RATING,), accepted=False)
    assert may_open((NO_SELF_RATING,), accepted=True) and may_open((), accepted=False)


def test_a_round_with_nobody_to_ask_does_not_open_and_says_why(client, draft_round):
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{draft_round.id}").get_data(as_text=True)
    assert f'<a class="button" href="/rounds/{draft_round.id}/open">Open the round…</a>' in page
    assert f'action="/rounds/{draft_round.id}/open"' not in page, "no button that opens at once"
    html = client.get(f"/rounds/{draft_round.id}/open").get_data(as_text=True)
    text = visible_text(html)
    assert "“Spring round” cannot open yet" in text
    assert NOBODY_TO_ASK.explanation in text and NO_SELF_RATING.explanation in text
    assert "<form" not in html.split("<main", 1)[1], "nothing here opens the round"
    for form in ({}, {"anyway": "y"}):  # a crafted or stale post
        reply = client.post(f"/rounds/{draft_round.id}/open", data=form)
        assert reply.location == f"/rounds/{draft_round.id}/open"
    assert status_of(draft_round) == "draft" and mail_queued() == 0


def test_without_a_self_rating_the_leader_opens_only_after_reading_why(client, draft_round):
    invite(draft_round, "\n".join(f"s{i}@example.org, staff" for i in range(3)))
    login(client, "leader@example.com")
    reply = client.post(f"/rounds/{draft_round.id}/open")  # from a page that did not ask yet
    assert reply.location == f"/rounds/{draft_round.id}/open"
    assert status_of(draft_round) == "draft" and mail_queued() == 0
    html = client.get(reply.location).get_data(as_text=True)
    text = visible_text(html)
    assert "Open “Spring round” without rating yourself?" in text
    assert NO_SELF_RATING.explanation in text and NOBODY_TO_ASK.explanation not in text
    assert '<input type="hidden" name="anyway" value="y">' in html
    assert "Open the round anyway</button>" in html
    assert f'href="/rounds/{draft_round.id}">Cancel</a>' in html
    opened = client.post(f"/rounds/{draft_round.id}/open", data={"anyway": "y"})
    assert opened.location == f"/rounds/{draft_round.id}"
    assert "The round is open: links now work." in client.get(opened.location).get_data(
        as_text=True
    )
    assert status_of(draft_round) == "open" and mail_queued() == 3


def test_a_ready_round_opens_in_one_click(client, draft_round):
    link = round_services.ensure_open_link(draft_round, "follower")
    round_services.rotate_open_link(link, "unused-key-" + "k" * 40)
    round_services.save_self_assessment(draft_round, answer_all(Q, 3))
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{draft_round.id}").get_data(as_text=True)
    assert f'action="/rounds/{draft_round.id}/open"' in page
    client.post(f"/rounds/{draft_round.id}/open")
    assert status_of(draft_round) == "open"


def test_the_open_page_of_a_round_already_open_says_so(client, open_round):
    login(client, "leader@example.com")
    for reply in (
        client.get(f"/rounds/{open_round.id}/open", follow_redirects=True),
        client.post(f"/rounds/{open_round.id}/open", follow_redirects=True),
    ):
        assert reply.status_code == 200
        assert "Only a draft round can be opened." in reply.get_data(as_text=True)


def test_the_steps_mark_only_what_is_done(client, draft_round):
    login(client, "leader@example.com")
    names = [
        "Rate yourself",
        "Invite people or post an open link",
        "Open the round",
        "Close the round",
        "Read the report with your coach",
    ]
    assert steps(client, draft_round) == [(name, False) for name in names]
    round_services.save_self_assessment(draft_round, answer_all(Q, 3))
    invite(draft_round, "\n".join(f"s{i}@example.org, staff" for i in range(3)))
    assert [done for _, done in steps(client, draft_round)] == [True, True, False, False, False]
    round_services.open_round(draft_round)
    assert [done for _, done in steps(client, draft_round)] == [True, True, True, False, False]
    round_services.close_round(draft_round)
    marked = steps(client, draft_round)
    assert [done for _, done in marked] == [True, True, True, True, False], (
        "nobody has read the report just because the round closed"
    )
    assert [name for name, _ in marked] == names
    page = client.get(f"/rounds/{draft_round.id}").get_data(as_text=True)
    assert '<span class="visually-hidden">(done)</span>' in page, "said, not only coloured"
    assert f'<a href="/rounds/{draft_round.id}/results">Read the report</a>' in page
