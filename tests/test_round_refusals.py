"""What the round's state does not allow: each of the leader's actions, refused, says why on
the round page, at the part of the page the action belongs to, and changes nothing.

One handler on the blueprint does this for every action (rounds.views.common.refused); these
pin where each action sends the leader back."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OutboxMessage
from feedback360.rounds import services as round_services
from tests.helpers import full_answers
from tests.helpers import login

SECRET_KEY = "refusals-" + "k" * 40


def _closed_round(a_round):
    link = round_services.ensure_open_link(a_round, "follower")
    round_services.rotate_open_link(link, SECRET_KEY)
    round_services.close_round(a_round)
    return a_round


# (what the leader asks, the form sent, the part of the round page, why it is refused)
REFUSED_ON_A_CLOSED_ROUND = [
    ("invitations", {"lines": "new@example.org, staff"}, "", "no more invitations can be added"),
    ("invitations/{invitation}/link", {}, "#invitations", "This round is closed."),
    ("open-links", {"group": "staff"}, "#open-links", "open links can no longer be created"),
    (
        "open-links/follower",
        {"follower-max_responses": "5"},
        "#open-links",
        "its open links no longer take answers anyway",
    ),
    ("reminders", {}, "#progress", "Reminders can be sent only while the round is open."),
    ("open", {}, "", "Only a draft round can be opened."),
    ("close", {}, "", "This round is already closed"),
    ("self", full_answers(), "", "the self-assessment can no longer change"),
]


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in (Invitation, OpenLink, CoachShare, OutboxMessage)
    )


@pytest.mark.parametrize(("action", "form", "section", "why"), REFUSED_ON_A_CLOSED_ROUND)
def test_an_action_on_a_closed_round_is_refused_on_its_part_of_the_round_page(
    client, open_round, action, form, section, why
):
    a_round = _closed_round(open_round)
    invitation_id = min(invitation.id for invitation in a_round.invitations)
    before = _counts()
    login(client, "leader@example.com")
    path = f"/rounds/{a_round.id}/" + action.format(invitation=invitation_id)
    reply = client.post(path, data=form)
    assert reply.status_code == 302
    assert reply.location == f"/rounds/{a_round.id}{section}"
    page = client.get(reply.location)
    assert why in html.unescape(page.text)
    assert _counts() == before


def test_sharing_with_yourself_is_refused_on_the_coach_part_of_the_page(client, draft_round):
    login(client, "leader@example.com")
    reply = client.post(f"/rounds/{draft_round.id}/shares", data={"email": "leader@example.com"})
    assert reply.status_code == 302
    assert reply.location == f"/rounds/{draft_round.id}#coach"
    assert "That is your own address." in client.get(reply.location).text
    assert not draft_round.shares
