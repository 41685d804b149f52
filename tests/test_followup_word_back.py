"""The word back (issue 18) through a real SMTP server, on SQLite and PostgreSQL: once per
round, to every invitee answered or not, never to whoever declined, before or after the close,
and with no row that says who declined."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback360.extensions import db
from feedback360.followup import word_backs
from feedback360.followup.access import NotAllowed
from feedback360.followup.survey import pulse_minutes
from feedback360.models import Invitation
from feedback360.models import MailDecline
from feedback360.models import OutboxMessage
from feedback360.models import WordBack
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import RoundError
from feedback360.rounds.services.common import today
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import time_passes
from tests.test_mail import body
from tests.test_mail import deliver_all
from tests.test_mail import smtp  # noqa: F401 (a fixture)

MESSAGE = "Thank you.\n\nWhat I will do:\n- say what each post is for\n\nThank you again."


def invitation(a_round, email: str) -> Invitation:
    return db.session.scalar(
        select(Invitation).where(Invitation.round_id == a_round.id, Invitation.email == email)
    )


def test_the_word_back_goes_to_everyone_asked_but_those_who_declined(open_round, leader, smtp):  # noqa: F811
    deliver_all()  # the invitations
    round_services.decline(invitation(open_round, "staff0@example.org"))  # while open
    closed_round_with_plan(open_round, leader)
    round_services.decline(invitation(open_round, "colleague1@example.org"))  # after close
    smtp.messages.clear()

    assert word_backs.send_word_back(open_round, leader, MESSAGE) == []
    report = deliver_all()
    assert (report.sent, report.withheld, report.failed) == (9, 2, 0)
    everyone = {inv.email for inv in open_round.invitations}
    received = {m["To"] for m in smtp.messages}
    # "other0" never answered and gets it; the two who declined do not.
    assert received == everyone - {"staff0@example.org", "colleague1@example.org"}
    assert "other0@example.org" in received
    message = smtp.to("other0@example.org")[0]
    assert message["Subject"] == "Lee Leader: what I heard from your feedback, and what I will do"
    assert "- say what each post is for" in body(message, "plain")
    assert "whether they answered or not" in body(message, "plain")
    assert "/decline" in body(message, "plain")
    assert "say what each post is for" in body(message, "html")

    # The outbox says the same of everyone: nothing marks whom the mail was withheld from.
    rows = db.session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error).where(
            OutboxMessage.kind == "word_back"
        )
    ).all()
    assert len(rows) == len(everyone) and set(rows) == {("sent", None)}
    assert not any(inv.declined for inv in open_round.invitations)
    assert db.session.scalar(select(MailDecline.round_id).limit(1)) == open_round.id


def test_the_word_back_goes_once(open_round, leader):
    closed_round_with_plan(open_round, leader)
    word_backs.send_word_back(open_round, leader, MESSAGE)
    with pytest.raises(word_backs.WordBackAlreadySent):
        word_backs.send_word_back(open_round, leader, "Again")
    stored = word_backs.word_back_of(open_round)
    assert (stored.text, stored.sent_on) == (MESSAGE, today())
    assert len(db.session.scalars(select(WordBack)).all()) == 1


def test_a_word_back_with_no_text_or_too_long_is_not_sent(open_round, leader):
    closed_round_with_plan(open_round, leader)
    assert word_backs.send_word_back(open_round, leader, "   ") == [
        "Write a message before sending it."
    ]
    assert "4000 characters" in word_backs.send_word_back(open_round, leader, "x" * 4001)[0]
    assert word_backs.word_back_of(open_round) is None
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "word_back")) is None


def test_only_the_leader_sends_it_and_only_after_close(open_round, leader, coach):
    with pytest.raises(RoundError, match="closed"):
        word_backs.send_word_back(open_round, leader, MESSAGE)
    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    with pytest.raises(NotAllowed):
        word_backs.send_word_back(open_round, coach, MESSAGE)


def test_the_old_open_link_shows_the_word_back(open_round, leader):
    closed_round_with_plan(open_round, leader)
    old_link = open_round.old_open_link
    assert word_backs.word_back_for_open_link(old_link) is None
    word_backs.send_word_back(open_round, leader, MESSAGE)
    assert word_backs.word_back_for_open_link(old_link) == MESSAGE
    assert word_backs.word_back_for_open_link("not-a-link") is None


def test_the_draft_uses_the_plan_and_mentions_the_pulse_once_made(open_round, leader):
    from feedback360 import questionnaire
    from feedback360.analysis import analyse
    from feedback360.reports.services import round_results

    closed_round_with_plan(open_round, leader)
    q = questionnaire.load(open_round.questionnaire_version)
    analysis = analyse(round_results(open_round, q), {}, open_round.why)
    draft = word_backs.word_back_draft(open_round, analysis, q)
    assert "Say in each post what it is for." in draft and "follow-up" not in draft
    pulse_today(open_round, leader)
    assert "follow-up" in word_backs.word_back_draft(open_round, analysis, q)


def test_the_pulse_is_not_mailed_to_who_declined_the_round(open_round, leader, smtp):  # noqa: F811
    deliver_all()
    round_services.decline(invitation(open_round, "follower0@example.org"))
    closed_round_with_plan(open_round, leader)
    round_services.decline(invitation(open_round, "colleague3@example.org"))
    smtp.messages.clear()
    pulse = pulse_today(open_round, leader)
    report = deliver_all()
    assert (report.sent, report.withheld) == (9, 2)
    received = {m["To"] for m in smtp.messages}
    assert not received & {"follower0@example.org", "colleague3@example.org"}
    message = smtp.to("other0@example.org")[0]
    assert "have you noticed a change" in message["Subject"]
    token = pulse_tokens(pulse)["other0@example.org"]
    assert f"/s/{token}" in body(message, "plain")
    minutes = pulse_minutes(pulse, "other", open_link=False)
    assert minutes <= 2
    assert f"about {minutes} minute" in body(message, "plain")
    # The pulse's own rows say nothing of the declines either.
    pulse_invitations = db.session.scalars(
        select(Invitation).where(Invitation.round_id == pulse.id)
    ).all()
    assert not any(inv.declined for inv in pulse_invitations)
    statuses = db.session.scalars(
        select(OutboxMessage.status).where(OutboxMessage.round_id == pulse.id)
    ).all()
    assert set(statuses) == {"sent"}


def test_a_pulse_reminder_has_the_pulse_words(open_round, leader, smtp):  # noqa: F811
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    deliver_all()
    smtp.messages.clear()
    time_passes(4)
    round_services.send_reminders(pulse)
    deliver_all()
    message = smtp.to("colleague0@example.org")[0]
    assert message["Subject"] == "Reminder: Lee Leader asks whether you have noticed a change"
    assert "Spring round" in body(message, "html")
    assert f"/s/{pulse_tokens(pulse)['colleague0@example.org']}" in body(message, "plain")
