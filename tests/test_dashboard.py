"""The leader's list of rounds: each round's answers exactly as its round page counts them (never
finer: a small group's answer does not move it), a plain state before opening, the dates that
matter in each state as days, and an empty state."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import update

from feedback360 import questionnaire
from feedback360.anonymity import answers_on_page
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.rounds import services as round_services
from feedback360.rounds.services.progress import progress_of
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import round_like
from tests.helpers import submit_via_token

Q = questionnaire.load()
# Followers and colleagues are shown on their own; one staff invitee is counted nowhere.
PEOPLE = "\n".join(
    [f"fan{i}@example.org, follower" for i in range(3)]
    + [f"peer{i}@example.org, colleague" for i in range(3)]
    + ["boss@example.org, staff"]
)


def dashboard_row(client, title: str) -> str:
    """The text of the dashboard's row for the round titled `title`, tags stripped."""
    html = client.get("/").text
    rows = re.findall(r'<tr role="row">(.*?)</tr>', html, re.S)
    row = next(r for r in rows if f">{title}</a>" in r)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def answers_in(row: str) -> str:
    return row.split("open" if " open " in row else "closed", 1)[1].split(" Opened")[0].strip()


def page_total(a_round) -> int | None:
    return answers_on_page(progress_of(a_round))


def test_a_draft_says_not_open_yet_with_its_created_and_planned_dates(client, leader, draft_round):
    invite(draft_round, PEOPLE)
    login(client, "leader@example.com")
    row = dashboard_row(client, "Spring round")
    created = draft_round.created_at.date()
    closes = draft_round.closes_on
    assert "Not open yet" in row and " 0 " not in f" {row} "
    assert f"Created {created.day} {created:%b %Y}" in row
    assert f"To close after {closes.day} {closes:%b %Y}" in row


def test_answers_are_the_round_pages_lines_and_a_small_group_does_not_move_them(
    client, leader, draft_round
):
    tokens = invite(draft_round, PEOPLE)
    round_services.open_round(draft_round)
    login(client, "leader@example.com")
    assert answers_in(dashboard_row(client, "Spring round")).startswith("0")

    submit_via_token(tokens["fan0@example.org"], answer_all(Q, 4))
    submit_via_token(tokens["peer1@example.org"], answer_all(Q, 3))
    row = dashboard_row(client, "Spring round")
    assert answers_in(row) == "2 (small groups not counted)"
    assert page_total(draft_round) == 2

    # The one staff invitee answers: the round page shows nothing for staff, nor does this.
    submit_via_token(tokens["boss@example.org"], answer_all(Q, 2))
    assert dashboard_row(client, "Spring round") == row
    opened = draft_round.opened_on
    assert f"Opened {opened.day} {opened:%b %Y}" in row
    closes = draft_round.closes_on
    assert f"Closes after {closes.day} {closes:%b %Y}" in row


def test_a_combined_line_counts_its_groups_together_as_on_the_round_page(
    client, leader, draft_round
):
    tokens = invite(
        draft_round,
        "\n".join(
            ["s0@example.org, staff", "s1@example.org, staff"]
            + ["o0@example.org, other", "o1@example.org, other"]
        ),
    )
    round_services.open_round(draft_round)
    submit_via_token(tokens["s0@example.org"], answer_all(Q, 4))
    login(client, "leader@example.com")
    progress = progress_of(draft_round)
    assert [line.group for line in progress.lines][-1] == "combined"
    row = dashboard_row(client, "Spring round")
    assert answers_in(row) == "1" and "not counted" not in row


def test_after_close_it_shows_the_counts_kept_at_close(client, leader, draft_round):
    tokens = invite(draft_round, PEOPLE)
    round_services.open_round(draft_round)
    for email in ("fan0@example.org", "fan1@example.org", "peer0@example.org"):
        submit_via_token(tokens[email], answer_all(Q, 4))
    submit_via_token(tokens["boss@example.org"], answer_all(Q, 4))
    round_services.close_round(draft_round)
    login(client, "leader@example.com")
    row = dashboard_row(client, "Spring round")
    assert answers_in(row) == "3 (small groups not counted)"
    closed = draft_round.closed_on
    assert f"Closed {closed.day} {closed:%b %Y}" in row and "Results" in row
    round_page = client.get(f"/rounds/{draft_round.id}").text
    shown = re.findall(r"<tr><th scope=\"row\">[^<]+</th>(.*?)</tr>", round_page, re.S)
    last_cells = [int(re.findall(r"<td>(\d+)", line)[-1]) for line in shown]
    assert sum(last_cells) == 3, "the same figure as the round page's lines"


def test_a_closed_round_whose_kept_counts_cannot_be_read_says_so(client, leader, draft_round):
    invite(draft_round, PEOPLE)
    round_services.open_round(draft_round)
    round_services.close_round(draft_round)
    db.session.execute(
        update(Round).where(Round.id == draft_round.id).values(progress_at_close={"x": 1})
    )
    db.session.commit()
    login(client, "leader@example.com")
    assert answers_in(dashboard_row(client, "Spring round")) == "Not kept"


def test_maximum_anonymity_still_counts_the_responses_per_shown_group(client, leader):
    a_round = round_services.create_round(
        leader,
        title="Quiet round",
        why="",
        success_measures="",
        platforms=[],
        closes_on=None,
        anonymity_threshold=3,
        max_anonymity=True,
    )
    tokens = invite(a_round, PEOPLE)
    round_services.open_round(a_round)
    submit_via_token(tokens["fan2@example.org"], answer_all(Q, 5))
    login(client, "leader@example.com")
    row = dashboard_row(client, "Quiet round")
    assert answers_in(row).startswith("1 ") and "No closing date" in row


def test_no_time_of_day_and_only_the_leaders_own_rounds(client, leader, draft_round):
    round_like(leader, draft_round, title="Autumn round")
    other = add_user("someone@example.com")
    round_like(other, draft_round, title="Not yours")
    login(client, "leader@example.com")
    html = client.get("/").text
    assert "Autumn round" in html and "Spring round" in html and "Not yours" not in html
    assert not re.search(r"\b\d{1,2}:\d{2}\b", html), "days only, never a time"
    assert "Days in UTC" in html or "days in UTC" in html


def test_no_rounds_shows_a_way_to_start_one(client, leader):
    login(client, "leader@example.com")
    html = client.get("/").text
    assert "No rounds yet" in html and "Start your first round" in html
    assert "<table" not in html.split("No rounds yet")[0].split("<main")[-1]


def test_an_open_round_without_its_opening_day_still_renders(client, leader, draft_round):
    """A round opened before opened_on was recorded: a dash, not an error."""
    invite(draft_round, PEOPLE)
    round_services.open_round(draft_round)
    db.session.execute(update(Round).where(Round.id == draft_round.id).values(opened_on=None))
    db.session.commit()
    login(client, "leader@example.com")
    assert "Opened —" in dashboard_row(client, "Spring round")


def test_dates_show_the_stored_days(client, leader, draft_round):
    invite(draft_round, PEOPLE)
    round_services.open_round(draft_round)
    round_services.close_round(draft_round)
    db.session.execute(
        update(Round)
        .where(Round.id == draft_round.id)
        .values(opened_on=date(2026, 3, 2), closed_on=date(2026, 3, 30))
    )
    db.session.commit()
    login(client, "leader@example.com")
    row = dashboard_row(client, "Spring round")
    assert "Opened 2 Mar 2026" in row and "Closed 30 Mar 2026" in row
