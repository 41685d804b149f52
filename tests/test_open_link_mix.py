"""A group with an open link has no personal invitations or at least the threshold.

Its report count (or, in a database copy, its response rows) minus the answers through its link
is how many of its invitations were answered: with one invitee, whether that person did. So
every path that adds a link, adds invitations or raises the threshold keeps to the rule
(anonymity.open_link_mix_is_small), and says why when it refuses.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import anonymity
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import invite
from tests.helpers import login

FOLLOWERS = questionnaire.load().group("follower")
EDIT_FORM = {"title": "Spring round", "why": "", "success_measures": ""}


def text_of(reply) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True)).split())


def post_open_link(client, a_round, group: str = "follower"):
    return client.post(
        f"/rounds/{a_round.id}/open-links", data={"group": group}, follow_redirects=True
    )


def link_groups(a_round) -> set[str]:
    return set(
        db.session.scalars(
            select(OpenLink.rater_group).where(
                OpenLink.round_id == a_round.id, OpenLink.nonce != ""
            )
        )
    )


def invited_in(a_round, group: str) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Invitation.round_id == a_round.id, Invitation.rater_group == group
        )
    )


# --- The rule and its words (pure) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("invited", "threshold", "refused"),
    [(0, 3, False), (1, 3, True), (2, 3, True), (3, 3, False), (3, 4, True), (9, 5, False)],
)
def test_a_link_goes_with_no_invitee_or_at_least_the_threshold(invited, threshold, refused):
    assert anonymity.open_link_mix_is_small(invited, threshold) is refused
    assert (anonymity.open_link_refused(FOLLOWERS, invited, threshold) is not None) is refused


def test_each_refusal_says_why_and_what_to_do_instead():
    link = anonymity.open_link_refused(FOLLOWERS, 1, 4)
    assert "already have 1 personal invitation," in link
    assert "either none or at least 4" in link
    assert anonymity.WHY_AN_OPEN_LINK_NEEDS_NO_OR_ENOUGH_INVITEES in link
    assert "Invite at least 3 more followers first" in link

    added = anonymity.invitations_beside_open_link_refused(FOLLOWERS, 0, 2, 3)
    assert "this would make 2" in added and "Paste at least 1 more followers" in added
    assert "send them the open link instead" in added and "another group" in added
    assert anonymity.invitations_beside_open_link_refused(FOLLOWERS, 2, 1, 3) is None

    groups = questionnaire.load().groups
    raised = anonymity.threshold_raise_refused(5, {"follower": 4, "staff": 0}, groups)
    assert "followers have 4" in raised and "staff" not in raised
    assert "keep the threshold at 4 or lower" in raised
    assert anonymity.threshold_raise_refused(4, {"follower": 4, "staff": 0}, groups) is None


# --- Every path in the app --------------------------------------------------------------------


@pytest.mark.parametrize("invitees", [1, 2])
def test_no_open_link_beside_one_or_two_invitees(client, leader, draft_round, invitees):
    invite(draft_round, "\n".join(f"f{i}@example.org, follower" for i in range(invitees)))
    login(client, leader.email)
    page = text_of(post_open_link(client, draft_round))
    assert f"No open link for followers: they already have {invitees} personal" in page
    assert f"Invite at least {3 - invitees} more followers first" in page
    assert link_groups(draft_round) == set()
    invite(draft_round, "\n".join(f"g{i}@example.org, follower" for i in range(3 - invitees)))
    assert "Open link ready to post." in text_of(post_open_link(client, draft_round))
    assert link_groups(draft_round) == {"follower"}


def test_an_open_link_beside_no_invitee_takes_no_lone_invitation(client, leader, open_round):
    """In an open round too: the refused lines are listed with their numbers and get no mail;
    the other groups' lines in the same paste are kept."""
    login(client, leader.email)
    post_open_link(client, open_round, "other")  # other has one invitee already
    assert link_groups(open_round) == set()
    db.session.execute(db.delete(Invitation).where(Invitation.rater_group == "other"))
    db.session.commit()  # a group with no invitee, as when the leader never invited one
    post_open_link(client, open_round, "other")
    assert link_groups(open_round) == {"other"}
    queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    lines = "o1@example.org, other\nnew@example.org, staff\no2@example.org, other"
    reply = client.post(f"/rounds/{open_round.id}/invitations", data={"lines": lines})
    page = text_of(reply)
    assert "1 person invited" in page and "2 lines were not added" in page
    assert "Line 1 ( o1@example.org, other ): Not added: others have an open link" in page
    assert "Line 3 ( o2@example.org, other ): Not added" in page and "this would make 2" in page
    assert invited_in(open_round, "other") == 0 and invited_in(open_round, "staff") == 4
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == queued + 1

    enough = "\n".join(f"o{i}@example.org, other" for i in range(3))
    assert "3 people invited" in text_of(
        client.post(f"/rounds/{open_round.id}/invitations", data={"lines": enough})
    )
    one_more = client.post(
        f"/rounds/{open_round.id}/invitations", data={"lines": "o3@example.org, other"}
    )
    assert "1 person invited" in text_of(one_more) and invited_in(open_round, "other") == 4


def test_the_threshold_cannot_rise_past_a_linked_groups_invitees(client, leader, open_round):
    """Followers: three invitees and a link, fine at 3; at 4 the three would be too few."""
    login(client, leader.email)
    post_open_link(client, open_round)
    post_open_link(client, open_round, "other")
    assert link_groups(open_round) == {"follower"}, "other has one invitee"
    page = text_of(
        client.post(f"/rounds/{open_round.id}/edit", data={**EDIT_FORM, "anonymity_threshold": "4"})
    )
    assert "The threshold cannot go up to 4" in page and "followers have 3" in page
    assert "keep the threshold at 3 or lower" in page
    assert 'value="Spring round"' in client.post(
        f"/rounds/{open_round.id}/edit", data={**EDIT_FORM, "anonymity_threshold": "4"}
    ).get_data(as_text=True), "what the leader typed is still in the form"
    db.session.expire_all()
    assert db.session.get(Round, open_round.id).anonymity_threshold == 3

    invite(open_round, "follower3@example.org, follower")
    reply = client.post(
        f"/rounds/{open_round.id}/edit", data={**EDIT_FORM, "anonymity_threshold": "4"}
    )
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, open_round.id).anonymity_threshold == 4


def test_a_link_with_no_invitee_does_not_hold_the_threshold_back(leader, draft_round, app):
    link = round_services.ensure_open_link(draft_round, "follower")
    round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    round_services.update_round(draft_round, anonymity_threshold=6)
    assert draft_round.anonymity_threshold == 6


def test_maximum_anonymity_rounds_keep_the_same_rule(leader, app):
    a_round = round_services.create_round(
        leader,
        title="Private",
        platforms=[],
        anonymity_threshold=3,
        closes_on=None,
        max_anonymity=True,
    )
    invite(a_round, "f0@example.org, follower")
    round_services.open_round(a_round)
    with pytest.raises(round_services.RoundError, match="No open link for followers"):
        round_services.ensure_open_link(a_round, "follower")
    db.session.rollback()
    link = round_services.ensure_open_link(a_round, "staff")
    round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    created, errors = round_services.add_invitations(a_round, "s0@example.org, staff")
    assert created == [] and "Not added: staff have an open link" in errors[0].message


# --- Two tabs at once -------------------------------------------------------------------------


def _add_one_follower(round_id: int) -> None:
    created, errors = round_services.add_invitations(
        db.session.get(Round, round_id), "f0@example.org, follower"
    )
    if errors:
        raise round_services.RoundError(errors[0].message)


def _make_follower_link(app, round_id: int) -> None:
    link = round_services.ensure_open_link(db.session.get(Round, round_id), "follower")
    round_services.rotate_open_link(link, app.config["SECRET_KEY"])


@pytest.mark.parametrize("first", ["invitation", "link"])
def test_a_link_and_a_lone_invitation_made_at_once_are_not_both_kept(app, ctx, leader, first):
    """Each request checks the rule on what is committed: the second waits for the first's
    transaction (it holds the round) and then refuses, or both would pass on an empty group."""
    from tests.test_concurrency import second_waits_for_first

    round_id = round_services.create_round(
        leader, title="Tabs", anonymity_threshold=3, closes_on=None, platforms=[]
    ).id
    db.session.remove()
    invitation = ("SELECT open_links.rater_group", lambda: _add_one_follower(round_id))
    link = ("FROM invitations", lambda: _make_follower_link(app, round_id))
    (pause_part, one), (_, other) = (
        (invitation, link) if first == "invitation" else (link, invitation)
    )
    first_outcome, second_outcome = second_waits_for_first(app, pause_part, one, other)
    assert (first_outcome, second_outcome) == (["done"], ["RoundError"])
    a_round = db.session.get(Round, round_id)
    kept = (1, set()) if first == "invitation" else (0, {"follower"})
    assert (invited_in(a_round, "follower"), link_groups(a_round)) == kept
