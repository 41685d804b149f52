"""Remind is not offered until people have had time to answer: REMIND_AFTER_DAYS after the
round's first invitations went out, said on the button ("Remind from 7 December"); and nobody
gets a reminder within a day of their invitation (first or a new link) or of their last
reminder. What the page shows about it moves with the calendar and the leader's own actions,
never when someone answers (anonymity.progress_view says why)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.clock import today_utc
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.readiness import day_and_month
from feedback360.readiness import reminder_timing
from feedback360.rounds import services as round_services
from tests.helpers import all_mail_sent
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import section_of
from tests.helpers import submit_via_token
from tests.helpers import time_passes
from tests.helpers import visible_text

Q = questionnaire.load()
MONDAY = date(2026, 12, 7)


def reminded() -> set[str]:
    return set(
        db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "reminder"))
    )


def remind_part(client, a_round) -> str:
    """The progress card from its buttons on: what the leader reads about reminding."""
    section = section_of(client.get(f"/rounds/{a_round.id}").get_data(as_text=True), "progress")
    return section[section.index('<div class="actions">') :]


# --- The rule, a pure function -----------------------------------------------------------------


def test_reminders_wait_from_the_first_invitations_and_say_until_when():
    timing = reminder_timing(MONDAY, MONDAY, 3, today=MONDAY)
    assert (timing.first_day, timing.ready) == (date(2026, 12, 10), False)
    assert timing.button == "Remind from 10 December"
    assert timing.why_wait == (
        "Reminders can be sent from 10 December: the invitations went out on 7 December, "
        "and people get 3 days to answer before anyone is reminded."
    )
    assert reminder_timing(MONDAY, MONDAY, 3, today=date(2026, 12, 10)).ready
    later = reminder_timing(MONDAY, date(2026, 12, 9), 1, today=date(2026, 12, 9))
    assert (later.invited_on, later.first_day, later.ready) == (
        date(2026, 12, 9),
        date(2026, 12, 10),
        False,
    ), "invitations first added after the round opened went out then"
    assert "people get 1 day to answer" in later.why_wait
    assert reminder_timing(MONDAY, MONDAY, 0, today=MONDAY).ready
    assert reminder_timing(MONDAY, None, 3, today=MONDAY) is None, "nobody to remind"
    assert reminder_timing(None, MONDAY, 3, today=MONDAY) is None, "not open yet"


# --- The round page and the service --------------------------------------------------------------


def test_remind_waits_and_says_from_when(client, open_round):
    login(client, "leader@example.com")
    part = remind_part(client, open_round)
    first_day = day_and_month(today_utc() + timedelta(days=3))
    assert (
        '<button class="button secondary waiting" type="button" disabled '
        f'aria-describedby="remind-wait">Remind from {first_day}</button>'
    ) in part
    assert f"/rounds/{open_round.id}/reminders" not in part
    assert f"Reminders can be sent from {first_day}" in visible_text(part)
    refused = client.post(f"/rounds/{open_round.id}/reminders")
    assert refused.location == f"/rounds/{open_round.id}#progress"
    assert f"Reminders can be sent from {first_day}" in client.get(refused.location).get_data(
        as_text=True
    )
    assert reminded() == set()
    with pytest.raises(round_services.RoundError, match="Reminders can be sent from"):
        round_services.send_reminders(open_round)


def test_after_the_wait_remind_is_offered_and_sends(client, open_round):
    all_mail_sent()
    time_passes(days=3)
    login(client, "leader@example.com")
    part = remind_part(client, open_round)
    assert f'action="/rounds/{open_round.id}/reminders"' in part
    assert "Remind those who have not answered</button>" in part
    assert "disabled" not in part and "Reminders can be sent from" not in part
    client.post(f"/rounds/{open_round.id}/reminders")
    assert reminded() == set(open_round.tokens)


def test_the_wait_is_a_setting(app, client, open_round):
    app.config["REMIND_AFTER_DAYS"] = 0
    login(client, "leader@example.com")
    assert "Remind those who have not answered</button>" in remind_part(client, open_round)


def test_a_round_with_no_invitation_offers_no_reminder(client, draft_round):
    link = round_services.ensure_open_link(draft_round, "follower")
    round_services.rotate_open_link(link, "unused-key-" + "k" * 40)
    round_services.open_round(draft_round)
    time_passes(days=5)
    login(client, "leader@example.com")
    part = remind_part(client, draft_round)
    assert "Remind" not in part.split("</div>")[0]
    assert "Reminders go to people invited by email, and nobody is yet." in visible_text(part)


def test_what_the_page_says_about_reminding_does_not_move_when_people_answer(client, open_round):
    login(client, "leader@example.com")
    answering = {0: ("colleague0", "other0"), 3: ("staff0", "staff1", "staff2")}
    for wait, people in answering.items():  # before the first reminder day, and from it on
        time_passes(days=wait)
        before = remind_part(client, open_round)
        for person in people:
            submit_via_token(open_round.tokens[f"{person}@example.org"], answer_all(Q, 4))
            assert remind_part(client, open_round) == before, person


def test_the_automatic_reminder_waits_for_the_same_day(leader, draft_round):
    draft_round.closes_on = today_utc() + timedelta(days=2)
    draft_round.reminder_days_before_close = 3
    invite(draft_round, "a@example.org, staff\nb@example.org, staff")
    round_services.open_round(draft_round)
    all_mail_sent()
    assert round_services.run_schedule() == {"closed": 0, "reminders": 0}
    assert not draft_round.auto_reminder_sent, "it goes once the day has come"
    time_passes(days=2)
    assert round_services.run_schedule()["reminders"] == 0
    time_passes(days=1)
    assert round_services.run_schedule() == {"closed": 0, "reminders": 2}
    assert draft_round.auto_reminder_sent


# --- Never two emails of a round within a day -------------------------------------------------


def test_nobody_is_reminded_within_a_day_of_their_invitation(open_round):
    all_mail_sent()
    time_passes(days=3)
    invite(open_round, "late@example.org, colleague")  # its invitation is queued now
    asked_again = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff0@example.org")
    )
    round_services.new_invitation_link(asked_again)  # a new link is mailed now
    result = round_services.send_reminders(open_round)
    assert "late@example.org" not in reminded() and "staff0@example.org" not in reminded()
    assert result.too_soon == 2
    all_mail_sent()
    time_passes(days=0.5)
    assert round_services.send_reminders(open_round).queued == 0, "sent 12 hours ago"
    time_passes(days=0.6)
    round_services.send_reminders(open_round)
    assert {"late@example.org", "staff0@example.org"} <= reminded()


def test_an_invitation_still_waiting_to_go_out_is_not_followed_by_a_reminder(open_round):
    time_passes(days=3)  # the mail server was down: the invitations still wait
    assert round_services.send_reminders(open_round).queued == 0
    assert reminded() == set()
    all_mail_sent()
    time_passes(days=1.1)
    assert round_services.send_reminders(open_round).queued == len(open_round.tokens)


def test_a_reminder_is_not_followed_by_another_within_a_day(open_round):
    all_mail_sent()
    time_passes(days=3)
    first = round_services.send_reminders(open_round)
    again = round_services.send_reminders(open_round)
    assert (first.queued, again.queued) == (len(open_round.tokens), 0)
    reminders = select(func.count()).where(OutboxMessage.kind == "reminder")
    assert db.session.scalar(reminders) == len(open_round.tokens)
