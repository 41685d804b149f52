"""Email through a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import re
import socket
import threading
from contextlib import contextmanager
from datetime import date
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from feedback360 import outbox
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.mail import transport
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.models import User
from feedback360.outbox import now
from feedback360.outbox import send_pending
from feedback360.rounds import services as round_services
from tests.helpers import add_user
from tests.helpers import after_each_statement
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token
from tests.helpers import time_passes
from tests.test_concurrency import in_thread

Q = questionnaire.load()
BASE_URL = "https://feedback.example.net"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message; `refuse` answers DATA with an error."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: list[str] = []
        self.lock = threading.Lock()
        self.after_each: list = []  # called with each message received, in the server's thread
        self.unknown: set[str] = set()  # addresses refused at RCPT, as for a mistyped address

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(message)
        for call in self.after_each:
            call(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(app, inbox: Inbox):
    """A real SMTP server on loopback delivering to `inbox`, and the app sending through it."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(app):
    app.config["BASE_URL"] = BASE_URL
    with smtp_server(app, Inbox()) as inbox:
        yield inbox


def deliver_all(batch: int = 100):
    return send_pending(transport(), batch)


def pending() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
    )


def body(message, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_opening_queues_invitations_and_the_sender_delivers_them(smtp, draft_round):
    tokens = invite(draft_round, "ann@example.org, staff\nbob@example.org, colleague")
    assert pending() == 0, "nothing is sent for a draft"
    round_services.open_round(draft_round)
    assert pending() == 2 and smtp.messages == [], "queued, not sent inside the request"
    report = deliver_all()
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    (message,) = smtp.to("ann@example.org")
    assert message["Subject"] == "Lee Leader asks for your view: how do they show up online?"
    text, html = body(message, "plain"), body(message, "html")
    link = f"{BASE_URL}/s/{tokens['ann@example.org']}"
    assert link in text and link in html
    assert f"{link}/decline" in text
    assert "Spring round" in text and "about 5 minutes" in text
    assert "stored without your name" in " ".join(text.split())
    assert "never for fewer than 3 people" in " ".join(text.split())
    assert pending() == 0
    assert db.session.scalar(
        select(Invitation).where(Invitation.email == "ann@example.org")
    ).emailed
    assert deliver_all().sent == 0, "never sent twice"
    assert len(smtp.messages) == 2


def test_invitations_added_to_an_open_round_are_queued_at_once(smtp, open_round):
    deliver_all()
    smtp.messages.clear()
    invite(open_round, "late@example.org, follower")
    deliver_all()
    assert [m["To"] for m in smtp.messages] == ["late@example.org"]


def test_an_unreachable_server_leaves_mail_pending_and_retried_later(app, smtp, open_round):
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    report = deliver_all()
    assert report.sent == 0 and report.retrying == len(open_round.tokens)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(r.status == "pending" and r.attempts == 1 for r in rows)
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert all(r.next_attempt_at > now() for r in rows)
    assert deliver_all().sent == 0, "not due yet: backoff"
    app.config["MAIL_PORT"] = real_port
    db.session.execute(update(OutboxMessage).values(next_attempt_at=now()))
    db.session.commit()
    assert deliver_all().sent == len(open_round.tokens)
    assert sorted(m["To"] for m in smtp.messages) == sorted(open_round.tokens)


def test_a_server_that_refuses_a_message_gets_it_again_never_twice(smtp, open_round):
    smtp.refuse = ["451 Try again later", "421 Closing connection"]
    first = deliver_all()
    assert first.retrying >= 1 and first.failed == 0
    db.session.execute(update(OutboxMessage).values(next_attempt_at=now()))
    db.session.commit()
    deliver_all()
    received = sorted(m["To"] for m in smtp.messages)
    assert received == sorted(open_round.tokens), "every message exactly once"
    errors = db.session.scalars(select(OutboxMessage.last_error)).all()
    assert all(e is None for e in errors)


def test_a_round_deleted_or_closed_while_its_mail_goes_out_stops_nothing(app, smtp, leader):
    """Another request deletes the round (and so its queued mail) or closes it (and so drops its
    reminders) while the sender is on its way through a batch: the sender records what it can
    and goes on, and the other round's mail still arrives."""
    rounds = {}
    for title in ("Deleted", "Closed", "Kept"):
        a_round = round_services.create_round(
            leader, title=title, anonymity_threshold=3, closes_on=None, platforms=[]
        )
        invite(a_round, "\n".join(f"{title.lower()}{i}@example.org, staff" for i in range(3)))
        round_services.open_round(a_round)
        rounds[title] = a_round.id
    db.session.remove()
    deliver_all()
    smtp.messages.clear()
    time_passes(days=3)
    with app.app_context():
        for round_id in rounds.values():
            round_services.send_reminders(db.session.get(Round, round_id))
        db.session.remove()
    changes = {
        "deleted0@example.org": lambda a_round: round_services.delete_round(a_round),
        "closed0@example.org": lambda a_round: round_services.close_round(a_round),
    }

    def change_the_round(message) -> None:
        change = changes.pop(message["To"], None)
        if change is not None:
            with app.app_context():
                title = message["To"].split("0@")[0].title()
                change(db.session.get(Round, rounds[title]))
                db.session.remove()

    smtp.after_each.append(change_the_round)
    report = deliver_all()
    assert not changes, "both changes happened during the batch"
    received = sorted(m["To"] for m in smtp.messages)
    assert received == ["closed0@example.org", "deleted0@example.org"] + [
        f"kept{i}@example.org" for i in range(3)
    ]
    assert report.sent == len(received)
    assert pending() == 0


def delete_message(message_id: int) -> None:
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))
    db.session.commit()


def delete_account(user_id: int) -> None:
    db.session.delete(db.session.get(User, user_id))
    db.session.commit()


def test_a_leader_deleted_while_their_mail_goes_out_stops_nothing(app, smtp, open_round, leader):
    """Deleting the account deletes its rounds and their mail; a message already on its way is
    given up, and the sender goes on with the next one."""
    other = add_user("other@example.com", "Olive Other")
    kept = round_services.create_round(
        other, title="Kept", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(kept, "kept@example.org, staff")
    round_services.open_round(kept)
    leader_id = leader.id
    db.session.remove()
    deleted = []

    def delete_the_leader(statement, parameters) -> None:
        if statement.lstrip().startswith("SELECT rounds.") and not deleted:
            thread, outcome = in_thread(app, lambda: delete_account(leader_id))
            thread.join(10)
            deleted.extend(outcome)

    with after_each_statement(delete_the_leader):
        deliver_all()
    assert deleted == ["done"]
    assert [m["To"] for m in smtp.messages] == ["kept@example.org"]
    assert pending() == 0


def test_after_a_dropped_connection_every_message_left_is_retried_even_if_one_vanished(
    app, smtp, open_round
):
    """The retry of each message is saved on its own: one deleted meanwhile undoes no other."""
    ids = sorted(db.session.scalars(select(OutboxMessage.id)))
    app.config["MAIL_PORT"] = free_port()  # nobody listens there: the connection fails
    db.session.remove()
    vanished = []

    def delete_the_last(statement, parameters) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        if "FROM outbox" in statement and ids[-1] in values and not vanished:
            vanished.append(ids[-1])
            thread, _ = in_thread(app, lambda: delete_message(ids[-1]))
            thread.join(10)

    with after_each_statement(delete_the_last):
        report = deliver_all()
    assert vanished == [ids[-1]] and report.sent == 0
    left = db.session.execute(select(OutboxMessage.attempts, OutboxMessage.claimed_until)).all()
    assert len(left) == len(ids) - 1
    assert all(attempts == 1 and lease is None for attempts, lease in left)


def test_a_message_another_sender_took_over_after_a_slow_batch_is_not_sent_twice(
    app, smtp, open_round
):
    """A batch slower than the lease: another sender claims what is left; this one skips it."""
    first, second = sorted(db.session.scalars(select(OutboxMessage.id)))[:2]
    db.session.remove()

    def lease_again() -> None:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == second)
            .values(claimed_until=now() + timedelta(minutes=9))
        )
        db.session.commit()

    def take_over_the_second(message) -> None:
        smtp.after_each.clear()
        thread, outcome = in_thread(app, lease_again)
        thread.join(10)
        assert outcome == ["done"]

    smtp.after_each.append(take_over_the_second)
    report = deliver_all()
    assert report.sent == len(open_round.tokens) - 1
    taken = db.session.get(OutboxMessage, second)
    db.session.refresh(taken)
    assert taken.status == "pending" and taken.attempts == 0, "left to the other sender"
    assert db.session.get(OutboxMessage, first).status == "sent"


def test_a_lease_renewed_before_each_send_keeps_other_senders_off_it(
    app, smtp, open_round, monkeypatch
):
    """This sender's batch lease has run out (a slow batch) when it reaches a message; another
    sender claims what is left right then. The message being sent has a fresh lease, so it goes
    once; the others go with the other sender, once."""
    real_claim = outbox.claim_batch
    first_claim = []

    def claim_long_ago(limit):
        """The first sender's claim, with a lease that ran out a minute ago."""
        claim = real_claim(limit)
        if first_claim:
            return claim
        first_claim.append(1)
        ran_out = now() - timedelta(minutes=1)
        leased = update(OutboxMessage).where(OutboxMessage.id.in_(claim.ids))
        db.session.execute(leased.values(claimed_until=ran_out))
        db.session.commit()
        return outbox.Claim(claim.ids, ran_out)

    monkeypatch.setattr(outbox, "claim_batch", claim_long_ago)
    first = min(db.session.scalars(select(OutboxMessage.id)))
    db.session.remove()
    other_sender = []

    def another_sender_meanwhile(statement, parameters) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        if "FROM outbox" in statement and first in values and not other_sender:
            other_sender.append("started")
            thread, outcome = in_thread(app, deliver_all)
            thread.join(20)
            other_sender.extend(outcome)

    with after_each_statement(another_sender_meanwhile):
        deliver_all()
    assert other_sender == ["started", "done"]
    received = sorted(m["To"] for m in smtp.messages)
    assert received == sorted(open_round.tokens), "every message exactly once"


def test_several_senders_never_send_a_message_twice(app, smtp, leader):
    a_round = round_services.create_round(
        leader, title="Big", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(a_round, "\n".join(f"p{i:02d}@example.org, staff" for i in range(40)))
    round_services.open_round(a_round)
    db.session.remove()

    def sender():
        with app.app_context():
            while send_pending(transport(), 5).sent:
                pass
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = sorted(m["To"] for m in smtp.messages)
    assert received == [f"p{i:02d}@example.org" for i in range(40)]


def test_reminders_reach_only_those_who_have_not_answered_once_a_day(client, smtp, open_round):
    deliver_all()
    smtp.messages.clear()
    time_passes(days=3)
    answered = "staff0@example.org"
    submit_via_token(open_round.tokens[answered], answer_all(Q, 4))
    login(client, "leader@example.com")
    page = client.post(f"/rounds/{open_round.id}/reminders", follow_redirects=True)
    others = len(open_round.tokens) - 1
    notice = "Reminders are on their way to everyone who has not answered or declined"
    assert notice in page.text
    deliver_all()
    assert answered not in [m["To"] for m in smtp.messages]
    assert len(smtp.messages) == others
    reminder = smtp.to("staff1@example.org")[0]
    assert reminder["Subject"].startswith("Reminder:")
    assert f"{BASE_URL}/s/{open_round.tokens['staff1@example.org']}" in body(reminder, "plain")
    again = client.post(f"/rounds/{open_round.id}/reminders", follow_redirects=True)
    assert notice in again.text, "the same words, whoever is left: no count"
    assert round_services.send_reminders(open_round).too_soon == others
    db.session.execute(update(Invitation).values(last_reminded_at=now() - timedelta(hours=25)))
    db.session.commit()
    assert round_services.send_reminders(open_round).queued == others


def test_a_failed_invitation_is_named_to_the_leader_a_failed_reminder_not_even_counted(
    client, smtp, open_round
):
    """Reminders go only to those who have not answered: a named failed reminder says who, and
    their number, next to the counts of the shown groups, says how many in a small group."""
    smtp.unknown = {"staff1@example.org"}
    deliver_all()
    mistyped = "colleague0@exmple.org"
    invite(open_round, f"{mistyped}, colleague")
    smtp.unknown = {mistyped, "staff2@example.org"}
    deliver_all()
    time_passes(days=3)
    round_services.send_reminders(open_round)
    deliver_all()
    status = round_services.mail_status(open_round)
    failed = sorted(address for address, _ in status.failed)
    assert failed == [mistyped, "staff1@example.org"], "the invitations that never arrived"
    login(client, "leader@example.com")
    page = " ".join(client.get(f"/rounds/{open_round.id}").text.split())
    assert "2 could not be delivered" in page, "the invitations only, not the reminders"
    assert f"<li>{mistyped}: " in page and "<li>staff1@example.org: " in page
    assert "staff2@example.org: " not in page
    assert "Reminders are not counted here" in page


def test_closing_forgets_reminders_and_invitation_mail_and_keeps_coach_shares(smtp, open_round):
    deliver_all()
    time_passes(days=3)
    round_services.send_reminders(open_round)
    deliver_all()
    round_services.send_reminders(open_round)  # too soon: nothing queued, and nothing changes
    db.session.execute(update(Invitation).values(last_reminded_at=now() - timedelta(days=2)))
    round_services.send_reminders(open_round)  # queued, not yet sent when the round closes
    round_services.share_with_coach(open_round, "coach@example.org")
    kinds = select(OutboxMessage.kind, OutboxMessage.status).order_by(OutboxMessage.id)
    assert {"reminder"} < {kind for kind, _ in db.session.execute(kinds)}
    round_services.close_round(open_round)
    left = db.session.execute(kinds).all()
    assert left == [("coach_share", "pending"), ("round_closed", "pending")], (
        "sent invitations go too (see test_close_forgets); the coach is told of the close"
    )
    reminded = select(func.count()).where(Invitation.last_reminded_at.is_not(None))
    assert db.session.scalar(reminded) == 0
    smtp.messages.clear()
    deliver_all()
    assert [m["To"] for m in smtp.messages] == ["coach@example.org"] * 2


def test_a_new_link_for_someone_who_declined_looks_the_same_to_the_leader(client, smtp, open_round):
    """Their message is queued and then withheld, so neither the flash nor the mail counts tell
    the leader who declined; nothing reaches them."""
    deliver_all()
    smtp.messages.clear()
    invitations = {i.email: i for i in db.session.scalars(select(Invitation))}
    round_services.decline(invitations["staff1@example.org"])
    login(client, "leader@example.com")
    seen = []
    for address in ("staff0@example.org", "staff1@example.org"):
        before = round_services.mail_status(open_round)
        page = client.post(
            f"/rounds/{open_round.id}/invitations/{invitations[address].id}/link",
            follow_redirects=True,
        )
        queued = round_services.mail_status(open_round)
        deliver_all()
        after = round_services.mail_status(open_round)
        flash = re.search(r"gets a new link by email[^<]*", page.text)[0]
        seen.append(
            (flash, queued.pending - before.pending, after.sent - before.sent, after.failed)
        )
    assert (
        seen[0]
        == seen[1]
        == ("gets a new link by email now; the old one no longer works.", 1, 1, [])
    )
    assert [m["To"] for m in smtp.messages] == ["staff0@example.org"]
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == "withheld")) == 1


def test_mail_queued_before_its_invitee_declined_is_withheld_not_named(client, smtp, open_round):
    deliver_all()
    time_passes(days=3)
    round_services.send_reminders(open_round)
    declined = db.session.scalar(select(Invitation).where(Invitation.email == "staff2@example.org"))
    round_services.decline(declined)
    smtp.messages.clear()
    report = deliver_all()
    assert report.withheld == 1 and "staff2@example.org" not in [m["To"] for m in smtp.messages]
    status = round_services.mail_status(open_round)
    assert status.failed == []
    assert status.sent == len(open_round.tokens), "every invitation; reminders are not counted"


def test_decline_needs_a_click_and_stops_all_mail(client, smtp, open_round):
    deliver_all()
    time_passes(days=3)
    smtp.messages.clear()
    token = open_round.tokens["staff2@example.org"]
    page = client.get(f"/s/{token}/decline")
    assert "No more emails about this round?" in page.text
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff2@example.org")
    )
    assert not invitation.declined, "a mail scanner's GET changes nothing"
    done = client.post(f"/s/{token}/decline")
    assert "You will get no more emails" in done.text
    db.session.refresh(invitation)
    assert invitation.declined
    round_services.send_reminders(open_round)
    deliver_all()
    assert "staff2@example.org" not in [m["To"] for m in smtp.messages]
    assert client.get(f"/s/{token}").status_code == 200, "the link itself still works"
    assert client.get("/s/forged-token/decline").status_code == 404


def test_coach_share_notice_is_emailed(smtp, leader, draft_round):
    round_services.share_with_coach(draft_round, "coach@example.org")
    deliver_all()
    (notice,) = smtp.to("coach@example.org")
    assert "shared a feedback round with you" in notice["Subject"]
    assert f"{BASE_URL}/register/" in body(notice, "plain"), "no account yet: sign up, not log in"


def test_header_injection_in_a_name_cannot_add_headers(smtp, ctx):
    leader = add_user("evil@example.com", "Eve\r\nBcc: victim@example.org")
    a_round = round_services.create_round(
        leader, title="x", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(a_round, "ann@example.org, staff")
    round_services.open_round(a_round)
    assert deliver_all().sent == 1
    (message,) = smtp.messages
    assert message["Bcc"] is None
    assert message["Subject"].strip().startswith("Eve Bcc: victim@example.org asks")


def test_without_a_server_messages_become_eml_files(app, open_round):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "could not be delivered" not in result.output
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == len(open_round.tokens)
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert "/s/" in body(parsed, "plain")


def test_schedule_closes_overdue_rounds_and_sends_automatic_reminders(smtp, leader):
    overdue = round_services.create_round(
        leader, title="Overdue", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    round_services.open_round(overdue)
    overdue.closes_on = date.today() - timedelta(days=1)
    soon = round_services.create_round(
        leader,
        title="Soon",
        anonymity_threshold=3,
        closes_on=date.today() + timedelta(days=2),
        platforms=[],
        reminder_days_before_close=3,
    )
    invite(soon, "a@example.org, staff\nb@example.org, staff")
    round_services.open_round(soon)
    deliver_all()
    time_passes(days=3)
    assert round_services.run_schedule() == {"closed": 1, "reminders": 2}
    assert overdue.status == "closed"
    assert round_services.run_schedule() == {"closed": 0, "reminders": 0}, "once only"


def test_two_hundred_pasted_invitations_all_arrive_through_send_mail(app, client, smtp, open_round):
    login(client, "leader@example.com")
    lines = "\n".join(f"reader{i:03d}@example.org, follower" for i in range(200))
    page = client.post(f"/rounds/{open_round.id}/invitations", data={"lines": lines})
    assert "200 people invited" in page.text
    result = app.test_cli_runner().invoke(args=["send-mail", "--batch", "50"])
    assert result.exit_code == 0, result.output
    received = {m["To"] for m in smtp.messages}
    assert {f"reader{i:03d}@example.org" for i in range(200)} <= received
    assert len(smtp.messages) == 200 + len(open_round.tokens), "each exactly once"


def test_a_reminder_queued_before_its_person_answered_still_goes_out(client, smtp, open_round):
    """Failing it would put "has answered" next to their address on the leader's page."""
    deliver_all()
    smtp.messages.clear()
    time_passes(days=3)
    round_services.send_reminders(open_round)
    submit_via_token(open_round.tokens["staff0@example.org"], answer_all(Q, 4))
    deliver_all()
    (reminder,) = smtp.to("staff0@example.org")
    assert "If you have already answered, thank you" in body(reminder, "plain")
    assert round_services.mail_status(open_round).failed == []
