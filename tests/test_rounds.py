"""The leader's pages: creating, inviting, open links, opening, closing, sharing."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.models import SelfRating
from feedback360.survey.forms import item_field
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = questionnaire.load()


def test_dashboard_empty_state_then_create_a_round(client, leader):
    login(client, "leader@example.com")
    assert "No rounds yet" in client.get("/").text
    reply = client.post(
        "/rounds/new",
        data={
            "title": "  Autumn   round ",
            "why": "To help small charities use LinkedIn well.",
            "success_measures": "Charities tell me they tried something.",
            "platforms": ["linkedin", "bluesky"],
            "closes_on": "2030-01-31",
            "anonymity_threshold": "4",
        },
    )
    assert reply.status_code == 302
    a_round = db.session.scalar(select(Round))
    assert a_round.title == "Autumn round"
    assert a_round.platforms == ["linkedin", "bluesky"]
    assert a_round.anonymity_threshold == 4
    assert a_round.status == "draft"
    assert a_round.questionnaire_version == Q.version
    page = client.get(reply.headers["Location"])
    assert "Round created" in page.text and "Autumn round" in page.text
    assert "Autumn round" in client.get("/").text


def test_new_round_form_reports_every_problem(client, leader):
    login(client, "leader@example.com")
    page = client.post(
        "/rounds/new",
        data={
            "title": "",
            "platforms": ["Friendster"],
            "closes_on": "31/31/2030",
            "anonymity_threshold": "two",
        },
    )
    assert page.status_code == 200
    assert "Give the round a title." in page.text
    assert "Not a valid date value." in page.text
    assert "Enter a number, 3 or more." in page.text or "Not a valid integer" in page.text
    assert "is not a valid choice" in page.text
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_self_assessment_is_saved_and_shown_again(client, leader, draft_round):
    login(client, "leader@example.com")
    form = client.get(f"/rounds/{draft_round.id}/self")
    assert Q.items[0].self_text in form.text
    data = {item_field(i.id): "3" for i in Q.items}
    data[item_field(Q.items[0].id)] = "na"
    assert client.post(f"/rounds/{draft_round.id}/self", data=data).status_code == 302
    ratings = {r.item_id: r.value for r in db.session.scalars(select(SelfRating))}
    assert ratings[Q.items[0].id] is None and ratings[Q.items[1].id] == 3
    again = client.get(f"/rounds/{draft_round.id}/self").text
    assert len(re.findall(r'<input checked[^>]*value="3"', again)) == len(Q.items) - 1
    incomplete = client.post(
        f"/rounds/{draft_round.id}/self", data={item_field(Q.items[0].id): "2"}
    )
    assert "Please check" in incomplete.text


def test_pasted_invitations_never_show_the_leader_a_link(client, leader, draft_round):
    """A link reveals whether its owner answered, so only the invitee ever gets it (by email)."""
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{draft_round.id}/invitations",
        data={"lines": "ann@example.org, staff\nnope\nbob@example.org, colleague\n"},
    )
    assert page.status_code == 200
    assert "2 people invited" in page.text
    assert "Line 2" in page.text and "email, group" in page.text
    assert "/s/" not in page.text
    detail = client.get(f"/rounds/{draft_round.id}").text
    assert "ann@example.org" in detail and "/s/" not in detail
    stored = db.session.scalars(select(Invitation)).all()
    assert all(len(i.token_hash) == 64 and i.nonce for i in stored), "only hashes and nonces"


def test_empty_paste_gets_a_message(client, leader, draft_round):
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{draft_round.id}/invitations", data={"lines": ""}, follow_redirects=True
    )
    assert "Paste at least one line." in page.text


def test_invitations_are_paginated(client, leader, draft_round):
    invite(draft_round, "\n".join(f"p{i:03d}@example.org, staff" for i in range(120)))
    login(client, "leader@example.com")
    first = client.get(f"/rounds/{draft_round.id}").text
    assert "Page 1 of 3" in first and "p000@example.org" in first
    assert "p050@example.org" not in first
    third = client.get(f"/rounds/{draft_round.id}?page=3").text
    assert "p119@example.org" in third
    assert client.get(f"/rounds/{draft_round.id}?page=99").status_code == 200


def test_new_link_replaces_a_lost_one_by_email(client, leader, open_round):
    old = open_round.tokens["staff0@example.org"]
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff0@example.org")
    )
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{open_round.id}/invitations/{invitation.id}/link", follow_redirects=True
    )
    assert "staff0@example.org gets a new link by email now" in page.text
    assert "/s/" not in page.text.split('id="open-links"')[0]
    assert client.get(f"/s/{old}").status_code == 404
    queued = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.invitation_id == invitation.id)
    ).all()
    assert queued == ["invitation", "invitation"], "the first email and the new one"


def test_open_link_is_shown_again_and_can_be_replaced(client, leader, draft_round):
    login(client, "leader@example.com")
    client.post(f"/rounds/{draft_round.id}/open-links", data={"group": "follower"})
    first = re.findall(r"/s/([A-Za-z0-9_\-]+)", client.get(f"/rounds/{draft_round.id}").text)
    assert len(first) == 1
    assert first == re.findall(
        r"/s/([A-Za-z0-9_\-]+)", client.get(f"/rounds/{draft_round.id}").text
    )
    asked = client.post(f"/rounds/{draft_round.id}/open-links", data={"group": "follower"})
    assert asked.location == f"/rounds/{draft_round.id}/open-links/follower/replace"
    page = client.get(f"/rounds/{draft_round.id}").text
    assert re.findall(r"/s/([A-Za-z0-9_\-]+)", page) == first, "not replaced until confirmed"
    reply = client.post(asked.location, follow_redirects=True)
    assert "the old one no longer works" in reply.text
    second = re.findall(r"/s/([A-Za-z0-9_\-]+)", reply.text)
    assert second and second != first
    assert db.session.scalar(select(func.count()).select_from(OpenLink)) == 1
    bad = client.post(f"/rounds/{draft_round.id}/open-links", data={"group": "boss"})
    assert bad.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OpenLink)) == 1


def test_open_and_close_with_warning_for_small_groups(client, leader, draft_round):
    tokens = invite(
        draft_round, "a@x.org, staff\nb@x.org, staff\nd@x.org, staff\nc@x.org, colleague"
    )
    login(client, "leader@example.com")
    reply = client.post(
        f"/rounds/{draft_round.id}/open", data={"anyway": "y"}, follow_redirects=True
    )
    assert "The round is open" in reply.text
    for email in ("a@x.org", "c@x.org"):
        submit_via_token(tokens[email], answer_all(Q, 4))
    detail = client.get(f"/rounds/{draft_round.id}").text
    assert "will not be shown" in detail and "below 3: not shown" in detail
    assert "Invited" in detail
    again = client.post(f"/rounds/{draft_round.id}/open", follow_redirects=True)
    assert "Only a draft round can be opened." in again.text
    asked = client.get(f"/rounds/{draft_round.id}/close").text
    assert "Close the round and build the report" in asked
    closed = client.post(f"/rounds/{draft_round.id}/close", follow_redirects=True)
    assert "The round is closed" in closed.text
    assert db.session.get(Round, draft_round.id).status == "closed"
    results = client.get(f"/rounds/{draft_round.id}/results").text
    assert "No group reached the threshold" in results


def test_closed_round_refuses_changes(client, leader, draft_round):
    invite(draft_round, "a@x.org, staff")
    login(client, "leader@example.com")
    client.post(f"/rounds/{draft_round.id}/open", data={"anyway": "y"})
    client.post(f"/rounds/{draft_round.id}/close")
    page = client.post(
        f"/rounds/{draft_round.id}/invitations",
        data={"lines": "z@x.org, staff"},
        follow_redirects=True,
    )
    assert "no more invitations can be added" in page.text
    edit = client.post(
        f"/rounds/{draft_round.id}/edit", data={"title": "New", "anonymity_threshold": "3"}
    )
    assert "can no longer change" in edit.text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_share_with_a_coach_and_stop_sharing(client, leader, coach, draft_round):
    login(client, "leader@example.com")
    reply = client.post(
        f"/rounds/{draft_round.id}/shares",
        data={"email": "Coach@Example.com"},
        follow_redirects=True,
    )
    assert "Shared with coach@example.com" in reply.text
    twice = client.post(
        f"/rounds/{draft_round.id}/shares",
        data={"email": "coach@example.com"},
        follow_redirects=True,
    )
    assert "already shared" in twice.text
    own = client.post(
        f"/rounds/{draft_round.id}/shares",
        data={"email": "leader@example.com"},
        follow_redirects=True,
    )
    assert "your own address" in own.text
    bad = client.post(
        f"/rounds/{draft_round.id}/shares", data={"email": "not an email"}, follow_redirects=True
    )
    assert "Enter an email address like name@example.com." in bad.text
    share = db.session.scalar(select(CoachShare))
    client.post(f"/rounds/{draft_round.id}/shares/{share.id}/remove")
    assert db.session.scalar(select(func.count()).select_from(CoachShare)) == 0


def test_coach_sees_shared_round_on_dashboard(client, leader, coach, draft_round):
    db.session.add(CoachShare(round=draft_round, coach_email="coach@example.com"))
    db.session.commit()
    login(client, "coach@example.com")
    page = client.get("/").text
    assert "Shared with me as coach" in page and "Spring round" in page
    assert "Lee Leader" in page


def test_absurd_ids_are_404_not_database_errors(client, leader, draft_round):
    login(client, "leader@example.com")
    for url in (
        "/rounds/99999999999999999999",
        "/rounds/0",
        "/rounds/-1",
        f"/rounds/{draft_round.id}/invitations/99999999999/link",
        "/rounds/2147483648/results",
    ):
        assert client.get(url).status_code in (404, 405), url
    assert client.get("/rounds/2147483647").status_code == 404


def test_default_threshold_comes_from_config_and_never_below_three(app, client, leader):
    login(client, "leader@example.com")
    field = re.compile(r'<input[^>]*name="anonymity_threshold"[^>]*value="(\d+)"')
    app.config["DEFAULT_ANONYMITY_THRESHOLD"] = 5
    assert field.search(client.get("/rounds/new").text)[1] == "5"
    app.config["DEFAULT_ANONYMITY_THRESHOLD"] = 1
    assert field.search(client.get("/rounds/new").text)[1] == "3"


def test_new_link_looks_the_same_whether_or_not_the_person_answered(client, leader, open_round):
    """Refusing a new link to someone who answered would tell the leader that they did."""
    submit_via_token(open_round.tokens["staff0@example.org"], answer_all(Q, 4))
    login(client, "leader@example.com")
    flashes = {}
    for email in ("staff0@example.org", "staff1@example.org"):  # answered, not answered
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == email))
        reply = client.post(
            f"/rounds/{open_round.id}/invitations/{invitation.id}/link", follow_redirects=True
        )
        assert reply.status_code == 200
        found = re.findall(r'<p class="flash (flash-\w+)">([^<]*)</p>', reply.text)
        flashes[email] = [(kind, text.replace(email, "EMAIL")) for kind, text in found]
    assert flashes["staff0@example.org"] == flashes["staff1@example.org"]
    ((_, text),) = flashes["staff0@example.org"]
    assert text.startswith("EMAIL gets a new link by email now")
    kinds = db.session.scalars(
        select(OutboxMessage.to_address).where(OutboxMessage.kind == "invitation")
    ).all()
    assert kinds.count("staff0@example.org") == kinds.count("staff1@example.org") == 2
