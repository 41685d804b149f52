"""Rater lists a coach vouches for (rounds.services.approval), through the real routes, on
SQLite and PostgreSQL: the round opens only once the coach asked has approved its list; a change
by the leader withdraws the approval; nobody else can approve; open links wait for the coach too;
the coach never sees who answered; the report says the list was approved."""

from __future__ import annotations

import re
import subprocess

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OutboxMessage
from feedback360.models import ReportFile
from feedback360.models import Round
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.rounds.services.common import RoundError
from feedback360.survey import services as survey_services
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import approve_as_coach
from tests.helpers import download_report
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import share_for
from tests.helpers import submit_via_token
from tests.helpers import without_csrf
from tests.test_concurrency import second_waits_for_first

Q = questionnaire.load()
STAFF = "\n".join(f"staff{i}@example.org, staff" for i in range(3))


@pytest.fixture
def reviewed(draft_round, coach):
    """A draft round with three staff invited, whose coach is asked to approve the list."""
    draft_round.tokens = invite(draft_round, STAFF)
    round_services.share_with_coach(draft_round, coach.email)
    approval.ask_coach_to_review(draft_round, share_for(draft_round, coach.email))
    return draft_round


def approve_page_fingerprint(client, round_id: int) -> str:
    page = client.get(f"/rounds/{round_id}/rater-list")
    assert page.status_code == 200
    return re.search(r'name="seen"[^>]*value="([0-9a-f]{64})"', page.text)[1]


def approve_through_the_page(client, round_id: int):
    seen = approve_page_fingerprint(client, round_id)
    return client.post(f"/rounds/{round_id}/rater-list/approve", data={"seen": seen})


def test_the_round_cannot_open_until_the_coach_approves(client, reviewed, coach):
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["coach_share", "list_review"], "the coach is asked by email"
    with pytest.raises(RoundError, match="has not approved the rater list yet"):
        round_services.open_round(reviewed)
    assert reviewed.status == "draft"

    login(client, "leader@example.com")
    round_page = client.get(f"/rounds/{reviewed.id}").text
    assert "Waiting for your coach, coach@example.com" in round_page
    assert f'href="/rounds/{reviewed.id}/open">Open the round…' in round_page, "asks first"
    reply = client.post(f"/rounds/{reviewed.id}/open", follow_redirects=True)
    assert "cannot open yet" in reply.text
    assert "Your coach, coach@example.com, has not approved the rater list yet" in reply.text
    assert "Open the round anyway" not in reply.text, "nothing to accept: it blocks"
    reply = client.post(f"/rounds/{reviewed.id}/open", data={"anyway": "y"}, follow_redirects=True)
    assert "has not approved the rater list yet" in reply.text
    db.session.refresh(reviewed)
    assert reviewed.status == "draft"
    client.post("/logout")

    login(client, coach.email)
    page = client.get(f"/rounds/{reviewed.id}/rater-list")
    assert "Lee Leader asks you to approve this list" in page.text
    for i in range(3):
        assert f"staff{i}@example.org" in page.text
    reply = approve_through_the_page(client, reviewed.id)
    assert reply.status_code == 302
    assert "Lee Leader can open the round" in client.get(reply.headers["Location"]).text
    client.post("/logout")

    login(client, "leader@example.com")
    reply = client.post(f"/rounds/{reviewed.id}/open", data={"anyway": "y"}, follow_redirects=True)
    assert "The round is open" in reply.text
    db.session.refresh(reviewed)
    assert reviewed.status == "open"


@pytest.mark.parametrize("change", ["invitation", "open link", "higher cap", "no cap"])
def test_a_leader_change_after_approval_withdraws_it(reviewed, coach, change):
    link = round_services.ensure_open_link(reviewed, "follower")
    round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    round_services.set_open_link_settings(link, 5, paused=False)
    approve_as_coach(reviewed, coach.email)
    share = share_for(reviewed, coach.email)
    assert share.rater_list_approved and not link.awaiting_coach

    round_services.set_open_link_settings(link, 3, paused=True)  # fewer, paused: still vouched for
    round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])  # a new token too
    round_services.new_invitation_link(reviewed.invitations[0])
    db.session.refresh(share)
    assert share.rater_list_approved, "nothing the coach vouched for changed"

    if change == "invitation":
        invite(reviewed, "newcomer@example.org, staff")
    elif change == "open link":
        other = round_services.ensure_open_link(reviewed, "colleague")
        round_services.rotate_open_link(other, current_app.config["SECRET_KEY"])
    else:
        round_services.set_open_link_settings(link, 9 if change == "higher cap" else None, False)
    db.session.refresh(share)
    assert not share.rater_list_approved
    with pytest.raises(RoundError, match="has not approved the rater list yet"):
        round_services.open_round(reviewed)
    approve_as_coach(reviewed, coach.email)
    round_services.open_round(reviewed)
    assert reviewed.status == "open"


def test_forged_approval_by_anyone_but_the_coach_asked_is_refused(client, reviewed, coach):
    add_user("coach2@example.com", "Cody Coach")
    round_services.share_with_coach(reviewed, "coach2@example.com")  # a coach, not the one asked
    other_round = round_services.create_round(
        add_user("other@example.com", "Otto"), title="Otto's", platforms=[], anonymity_threshold=3
    )
    round_services.share_with_coach(other_round, "coach2@example.com")
    approval.ask_coach_to_review(other_round, share_for(other_round, "coach2@example.com"))
    login(client, coach.email)
    seen = approve_page_fingerprint(client, reviewed.id)
    client.post("/logout")

    for email in ("coach2@example.com", "leader@example.com", "other@example.com"):
        login(client, email)
        assert client.get(f"/rounds/{reviewed.id}/rater-list").status_code == 404
        reply = client.post(f"/rounds/{reviewed.id}/rater-list/approve", data={"seen": seen})
        assert reply.status_code == 404, email
        client.post("/logout")
    with pytest.raises(RoundError, match="Only the coach asked"):  # the service checks too
        approval.approve(reviewed, share_for(reviewed, "coach2@example.com"), seen)
    share = share_for(reviewed, coach.email)
    db.session.refresh(share)
    assert not share.rater_list_approved

    # A second coach cannot be asked beside the first: the service says so, the database refuses.
    with pytest.raises(RoundError, match="already asked"):
        approval.ask_coach_to_review(reviewed, share_for(reviewed, "coach2@example.com"))
    second = (
        update(CoachShare)
        .where(CoachShare.coach_email == "coach2@example.com", CoachShare.round_id == reviewed.id)
        .values(reviews_rater_list=True)
    )
    with pytest.raises(IntegrityError):
        db.session.execute(second)
    db.session.rollback()


def test_approving_a_list_that_changed_since_the_coach_read_it_is_refused(client, reviewed, coach):
    login(client, coach.email)
    seen = approve_page_fingerprint(client, reviewed.id)
    invite(reviewed, "slipped.in@example.org, staff")  # the leader, in between
    reply = client.post(
        f"/rounds/{reviewed.id}/rater-list/approve", data={"seen": seen}, follow_redirects=True
    )
    assert "The list changed while you were looking at it" in reply.text
    assert "slipped.in@example.org" in reply.text
    assert not share_for(reviewed, coach.email).rater_list_approved
    reply = client.post(f"/rounds/{reviewed.id}/rater-list/approve", data={}, follow_redirects=True)
    assert "That approval could not be read" in reply.text
    assert not share_for(reviewed, coach.email).rater_list_approved


def test_the_coach_removes_and_adds_and_then_only_the_coach_adds(client, reviewed, coach):
    login(client, coach.email)
    staff0 = db.session.scalar(select(Invitation).where(Invitation.email == "staff0@example.org"))
    reply = client.post(f"/rounds/{reviewed.id}/rater-list/invitations/{staff0.id}/remove")
    assert reply.status_code == 302
    reply = client.post(
        f"/rounds/{reviewed.id}/rater-list/invitations",
        data={
            "lines": "ana@example.org, staff\nleader@example.com, staff\ncoach@example.com, staff"
        },
    )
    assert reply.status_code == 200
    assert "1 person added" in reply.text
    assert "That is the leader&#39;s own address" in reply.text
    assert "coaches cannot rate anonymously" in reply.text
    assert "/s/" not in reply.text, "the coach never sees a link"
    emails = set(db.session.scalars(select(Invitation.email)).all())
    assert emails == {"staff1@example.org", "staff2@example.org", "ana@example.org"}
    approve_through_the_page(client, reviewed.id)
    assert share_for(reviewed, coach.email).rater_list_approved, "their own change is vouched for"
    client.post("/logout")

    round_services.open_round(reviewed)
    with pytest.raises(RoundError, match="new people are added by them"):
        invite(reviewed, "padding@example.org, staff")
    login(client, "leader@example.com")
    reply = client.post(
        f"/rounds/{reviewed.id}/invitations", data={"lines": "padding@example.org, staff"}
    )
    assert reply.status_code == 302
    assert "new people are added by them" in client.get(reply.headers["Location"]).text
    client.post("/logout")

    login(client, coach.email)
    reply = client.post(
        f"/rounds/{reviewed.id}/rater-list/invitations", data={"lines": "bo@example.org, staff"}
    )
    assert "They get their personal link by email now" in reply.text
    queued = select(OutboxMessage.to_address).where(OutboxMessage.kind == "invitation")
    assert "bo@example.org" in db.session.scalars(queued).all()
    bo = db.session.scalar(select(Invitation).where(Invitation.email == "bo@example.org"))
    reply = client.post(
        f"/rounds/{reviewed.id}/rater-list/invitations/{bo.id}/remove", follow_redirects=True
    )
    assert "nobody can be taken off the list any more" in reply.text
    assert db.session.get(Invitation, bo.id) is not None


def test_the_coach_never_sees_who_answered_or_declined(client, reviewed, coach):
    """The list's page is the same, byte for byte but its CSRF token, before and after people
    answer and decline, while the round is open and once it is closed."""
    approve_as_coach(reviewed, coach.email)
    round_services.open_round(reviewed)
    login(client, coach.email)
    before = without_csrf(client.get(f"/rounds/{reviewed.id}/rater-list").text)
    submit_via_token(reviewed.tokens["staff0@example.org"], answer_all(Q, 4))
    assert client.get(f"/s/{reviewed.tokens['staff1@example.org']}/decline").status_code == 200
    client.post(f"/s/{reviewed.tokens['staff1@example.org']}/decline")
    assert db.session.scalar(select(Invitation.declined).where(Invitation.email.like("staff1%")))
    after = without_csrf(client.get(f"/rounds/{reviewed.id}/rater-list").text)
    assert after == before
    for word in ("answered", "declined", "responded", "reminded", "sent"):
        page_words = re.sub(r"<[^>]+>", " ", after)
        promise = "never who has answered or declined"
        assert word not in page_words.replace(promise, ""), word


def test_open_links_need_the_coach_approval_too(client, reviewed, coach):
    approve_as_coach(reviewed, coach.email)
    round_services.open_round(reviewed)
    link = round_services.ensure_open_link(reviewed, "follower")
    token = round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    assert link.awaiting_coach
    reply = client.get(f"/s/{token}")
    assert reply.status_code == 409 and "waits for a check by the leader’s coach" in reply.text
    resolved = survey_services.resolve(token)
    with pytest.raises(survey_services.LinkAwaitingCoach):
        survey_services.submit(resolved, answer_all(Q, 4), {})
    reply = client.post(f"/s/{token}", data=full_answers())
    assert reply.status_code == 409, "the submit is refused by the database too"

    login(client, coach.email)
    page = client.get(f"/rounds/{reviewed.id}/rater-list").text
    assert "1 open link waits for your approval" in page
    approve_through_the_page(client, reviewed.id)
    db.session.refresh(link)
    assert not link.awaiting_coach
    submit_via_token(token, answer_all(Q, 4))
    assert link.responses == 1 or db.session.get(OpenLink, link.id).responses == 1

    round_services.set_open_link_settings(link, 10, paused=False)
    round_services.set_open_link_settings(link, 20, paused=False)  # more answers: waits again
    assert db.session.get(OpenLink, link.id).awaiting_coach
    assert share_for(reviewed, coach.email).rater_list_approved, "the round stays approved"


def test_the_report_says_the_rater_list_was_approved_by_the_coach(
    client, reviewed, coach, tmp_path
):
    approve_as_coach(reviewed, coach.email)
    round_services.open_round(reviewed)
    for token in reviewed.tokens.values():
        submit_via_token(token, answer_all(Q, 4))
    round_services.close_round(reviewed)
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{reviewed.id}/results").text
    line = "Rater list approved by the coach, coach@example.com, before the round opened"
    assert line in page
    path = tmp_path / "leader.pdf"
    path.write_bytes(download_report(client, reviewed.id))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Rater list approved by the coach" in " ".join(text.split())
    client.post("/logout")
    login(client, coach.email)
    assert line in client.get(f"/rounds/{reviewed.id}/results").text
    assert "The round is closed" in client.get(f"/rounds/{reviewed.id}/rater-list").text

    # The coach who vouched stops being shared: no copy may claim their approval any more.
    round_services.share_with_coach(reviewed, "coach2@example.com")
    build_wanted_reports()
    stored = select(ReportFile.reader).where(ReportFile.pdf.is_not(None))
    assert len(db.session.scalars(stored).all()) == 3, "the leader's and both coaches'"
    round_services.sharing.stop_sharing(share_for(reviewed, coach.email))
    assert db.session.scalars(stored).all() == [], "every copy left is asked for anew"
    client.post("/logout")
    login(client, "leader@example.com")
    assert "Rater list approved" not in client.get(f"/rounds/{reviewed.id}/results").text
    path.write_bytes(download_report(client, reviewed.id))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Rater list approved" not in " ".join(text.split())


def test_no_claim_without_an_approval(client, reviewed, coach):
    """Withdrawn before opening, or never asked: the round opens, and nothing claims a check."""
    login(client, "leader@example.com")
    client.post(f"/rounds/{reviewed.id}/review/withdraw")
    assert not share_for(reviewed, coach.email).reviews_rater_list
    round_services.open_round(reviewed)
    for token in reviewed.tokens.values():
        submit_via_token(token, answer_all(Q, 4))
    round_services.close_round(reviewed)
    assert "Rater list approved" not in client.get(f"/rounds/{reviewed.id}/results").text
    reply = client.post(f"/rounds/{reviewed.id}/review/withdraw", follow_redirects=True)
    assert reply.status_code == 200


def test_once_open_the_request_stays_and_stopping_the_share_drops_the_claim(reviewed, coach):
    approve_as_coach(reviewed, coach.email)
    round_services.open_round(reviewed)
    with pytest.raises(RoundError, match="cannot be undone"):
        approval.withdraw_review_request(reviewed)
    link = round_services.ensure_open_link(reviewed, "follower")
    round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    assert link.awaiting_coach
    round_services.sharing.stop_sharing(share_for(reviewed, coach.email))
    db.session.refresh(link)
    assert not link.awaiting_coach, "nobody vouches any more: nothing waits for anyone"
    assert approval.approved_by(reviewed) is None


def ask_by_ids(round_id: int, coach_email: str) -> None:
    a_round = db.session.get(Round, round_id)
    approval.ask_coach_to_review(a_round, share_for(a_round, coach_email))


def approve_seen(round_id: int, coach_email: str, seen: str) -> None:
    a_round = db.session.get(Round, round_id)
    approval.approve(a_round, share_for(a_round, coach_email), seen)


def test_two_requests_at_once_ask_one_coach_and_refuse_the_other_plainly(app, draft_round):
    for email in ("c1@example.com", "c2@example.com"):
        round_services.share_with_coach(draft_round, email)
    round_id = draft_round.id
    db.session.remove()
    first, second = second_waits_for_first(
        app,
        "INSERT INTO outbox",
        lambda: ask_by_ids(round_id, "c1@example.com"),
        lambda: ask_by_ids(round_id, "c2@example.com"),
    )
    assert first == ["done"] and second == ["RoundError"], "no IntegrityError, no 500"
    asked = select(CoachShare.coach_email).where(CoachShare.reviews_rater_list.is_(True))
    assert db.session.scalars(asked).all() == ["c1@example.com"]


def test_an_approval_waits_for_a_leader_change_under_way_and_then_refuses(app, reviewed, coach):
    seen, round_id, coach_email = approval.list_fingerprint(reviewed), reviewed.id, coach.email
    db.session.remove()
    added, approved = second_waits_for_first(
        app,
        "INSERT INTO invitations",
        lambda: invite(db.session.get(Round, round_id), "late@example.org, staff"),
        lambda: approve_seen(round_id, coach_email, seen),
    )
    assert added == ["done"] and approved == ["RoundError"], "it saw the list it did not approve"
    a_round = db.session.get(Round, round_id)
    assert not share_for(a_round, coach_email).rater_list_approved
