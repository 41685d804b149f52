"""Two rounds alike but for one staff invitee (a group of one) answering: nothing a leader,
a coach or an operator's command line sees after close may differ.

This is the attack of issue 13 run across every surface at once: the results page, the PDF,
the exports, the round page, the delete page, the dashboard and `flask rounds`.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.cli import rounds as rounds_command
from feedback360.extensions import db
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import close_with_lone_staff_invitee
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import round_like
from tests.helpers import submit_via_token
from tests.helpers import time_passes


def _visible(text: str, round_id: int) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"(csrf_token|round_id|rounds/)\S*", "", text)
    text = text.replace(f"\t{round_id}\t", "\tN\t")
    text = re.sub(rf"(?m)^{round_id}\t", "N\t", text)
    text = re.sub(r"(?i)\b(round|report)[-_ ]?" + str(round_id) + r"\b", "ROUND", text)
    return " ".join(text.split())


def test_nothing_shown_after_close_tells_whether_the_lone_staff_invitee_answered(
    app, client, leader, draft_round
):
    seen: list[dict[str, str]] = []
    login(client, leader.email)
    round_services.delete_round(draft_round)
    for staff_answers in (False, True):
        a_round = close_with_lone_staff_invitee(round_like(leader, draft_round), staff_answers)
        rid = a_round.id
        pages = {
            path: _visible(client.get(path.format(rid)).get_data(as_text=True), rid)
            for path in (
                "/",
                "/rounds/{}",
                "/rounds/{}/results",
                "/rounds/{}/delete",
                "/rounds/{}/export.csv",
                "/rounds/{}/export.json",
            )
        }
        cli = app.test_cli_runner().invoke(rounds_command)
        pages["flask rounds"] = _visible(cli.output, rid)
        seen.append(pages)
        round_services.delete_round(a_round)
    differing = [surface for surface in seen[0] if seen[0][surface] != seen[1][surface]]
    assert differing == []


def _send_mail_output(app, leader, staff_answers: bool) -> tuple[str, int]:
    """Everything `flask send-mail` prints for a round with automatic reminders due, in which
    the lone staff invitee has answered or not."""
    a_round = round_services.create_round(
        leader,
        title="Soon",
        anonymity_threshold=3,
        closes_on=date.today() + timedelta(days=2),
        platforms=[],
        reminder_days_before_close=3,
    )
    q = questionnaire.load(a_round.questionnaire_version)
    tokens = invite(
        a_round,
        "\n".join([f"f{i}@example.org, follower" for i in range(4)] + ["s0@example.org, staff"]),
    )
    a_round.reminder_days_before_close = None  # the invitations go out first
    round_services.open_round(a_round)
    round_id = a_round.id
    runner = app.test_cli_runner()
    output = runner.invoke(args=["send-mail"]).output
    a_round = db.session.get(Round, round_id)
    submit_via_token(tokens["f0@example.org"], answer_all(q, 4))
    if staff_answers:
        submit_via_token(tokens["s0@example.org"], answer_all(q, 2))
    a_round.reminder_days_before_close = 3
    db.session.commit()
    time_passes(days=3)
    output += runner.invoke(args=["send-mail"]).output
    reminders_sent = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.round_id == round_id,
            OutboxMessage.kind == "reminder",
            OutboxMessage.status == "sent",
        )
    )
    round_services.delete_round(db.session.get(Round, round_id))
    return output, reminders_sent


def test_send_mail_prints_nothing_that_says_how_many_have_not_answered(app, leader):
    """Automatic reminders go to those who have not answered: their number, or the number of
    messages sent right after, counts them, and the lone staff invitee with them."""
    runs = [_send_mail_output(app, leader, staff_answers) for staff_answers in (False, True)]
    (alone, reminded_alone), (with_staff, reminded_with_staff) = runs
    assert (reminded_alone, reminded_with_staff) == (4, 3), "the reminders did go out"
    assert alone == with_staff


def _open_link_round(leader, template, answering: int):
    """Followers: three invitees (the threshold), `answering` of whom answer, and an open link
    that three people answer through."""
    a_round = round_like(leader, template)
    q = questionnaire.load(a_round.questionnaire_version)
    tokens = invite(a_round, "\n".join(f"f{i}@example.org, follower" for i in range(3)))
    link = round_services.ensure_open_link(a_round, "follower")
    open_token = round_services.rotate_open_link(link, template.leader_secret)
    round_services.open_round(a_round)
    for _ in range(3):
        submit_via_token(open_token, answer_all(q, 4))
    for i in range(answering):
        submit_via_token(tokens[f"f{i}@example.org"], answer_all(q, 2))
    round_services.close_round(a_round)
    return a_round


def test_a_lone_invitee_beside_an_open_link_cannot_be_subtracted(app, client, leader, draft_round):
    """Report "Followers N" minus "M answers through this link" on the round page is how many
    invitations were answered: with one invitee, whether that person did. A group with an open
    link gets no invitee or at least the threshold, in either order; with the threshold the
    difference is the answered count the round page shows anyway."""
    login(client, leader.email)
    invitee_first = round_like(leader, draft_round)
    invite(invitee_first, "f0@example.org, follower")
    page = client.post(
        f"/rounds/{invitee_first.id}/open-links", data={"group": "follower"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "No open link for followers" in page
    assert round_services.find_open_link(invitee_first, "follower") is None

    link_first = round_like(leader, draft_round)
    client.post(f"/rounds/{link_first.id}/open-links", data={"group": "follower"})
    assert round_services.find_open_link(link_first, "follower").nonce
    page = client.post(
        f"/rounds/{link_first.id}/invitations", data={"lines": "f0@example.org, follower"}
    ).get_data(as_text=True)
    assert "Not added: followers have an open link" in page
    assert not link_first.invitations

    draft_round.leader_secret = app.config["SECRET_KEY"]
    for answering in (1, 2):
        a_round = _open_link_round(leader, draft_round, answering)
        results = _visible(client.get(f"/rounds/{a_round.id}/results").get_data(as_text=True), 0)
        page = _visible(client.get(f"/rounds/{a_round.id}").get_data(as_text=True), 0)
        reported = int(re.search(r"Followers (\d+)", results).group(1))
        through_link = int(re.search(r"(\d+) answers? through this link", page).group(1))
        invited, answered = map(int, re.search(r"Followers (\d+) (\d+) \d+%", page).groups())
        assert (invited, answered) == (3, answering), "the page counts the invitees' answers"
        assert reported - through_link == answered
        round_services.delete_round(a_round)
