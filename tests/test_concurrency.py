"""Many respondents at the same instant, through the real survey route. SQLite and PostgreSQL.

Each respondent is a thread with its own test client (its own browser), all released together
by a barrier, so the database sees the submits overlap as it would under several workers.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Answer
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Response
from feedback360.models import Round
from feedback360.rounds import services as round_services
from feedback360.survey import services as survey_services
from feedback360.survey.forms import comment_field
from tests.helpers import after_each_statement
from tests.helpers import all_mail_sent
from tests.helpers import answer_all
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import time_passes

Q = questionnaire.load()
RESPONDENTS = 50


def post_at_once(app, posts: list[tuple[str, dict]]) -> list[tuple[int, str]]:
    """POST every (url, form) at the same moment, each from its own client and address (rate
    limits apply per address, as for fifty people on their own phones); (status, body)."""
    barrier = threading.Barrier(len(posts))
    replies: list[tuple[int, str] | None] = [None] * len(posts)

    def post(index: int, url: str, data: dict) -> None:
        client = app.test_client()
        barrier.wait()
        reply = client.post(url, data=data, environ_base={"REMOTE_ADDR": f"10.0.0.{index + 1}"})
        replies[index] = (reply.status_code, reply.get_data(as_text=True))

    threads = [
        threading.Thread(target=post, args=(i, url, data)) for i, (url, data) in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_fifty_respondents_at_once_lose_nothing(app, ctx, draft_round):
    lines = "\n".join(
        f"person{i}@example.org, {'staff' if i % 2 else 'colleague'}" for i in range(RESPONDENTS)
    )
    tokens = invite(draft_round, lines)
    round_services.open_round(draft_round)
    posts = [
        (f"/s/{token}", full_answers(str(1 + i % 5), **{comment_field("keep"): f"Answer {i} ✓"}))
        for i, token in enumerate(tokens.values())
    ]
    db.session.remove()

    replies = post_at_once(app, posts)

    assert [status for status, _ in replies] == [302] * RESPONDENTS
    assert count(Response) == RESPONDENTS
    assert count(Answer) == RESPONDENTS * len(Q.items)
    assert sorted(db.session.scalars(select(Comment.text))) == sorted(
        f"Answer {i} ✓" for i in range(RESPONDENTS)
    )
    assert db.session.scalar(select(func.count()).where(Invitation.answered.is_(False))) == 0


def test_one_link_submitted_twice_at_once_saves_once_and_explains(app, ctx, open_round):
    token = open_round.tokens["staff0@example.org"]
    db.session.remove()

    # "Send my feedback" on the review step, pressed twice.
    replies = post_at_once(app, [(f"/s/{token}?go=send", full_answers())] * 2)

    statuses = sorted(status for status, _ in replies)
    assert statuses == [302, 409]
    refused = next(body for status, body in replies if status == 409)
    assert "Not saved: this link has already been used" in refused
    assert "your first send went through" in refused
    assert count(Response) == 1
    assert count(Answer) == len(Q.items)


class Paused:
    """Holds a thread inside its transaction, right after it ran a statement containing `part`.

    A part, not a prefix: on PostgreSQL a submit's INSERT INTO responses is one step of a single
    WITH statement. The thread that runs `part` first stops there until `release`; `inside` tells
    the test that it holds whatever locks that statement took.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self.inside = threading.Event()
        self.release = threading.Event()

    def __call__(self, statement, parameters) -> None:
        if self.part in statement and not self.inside.is_set():
            self.inside.set()
            assert self.release.wait(10), "the test never released the paused transaction"


@contextmanager
def paused_after(part: str):
    pause = Paused(part)
    try:
        with after_each_statement(pause):
            yield pause
    finally:
        pause.release.set()


def in_thread(app, work) -> tuple[threading.Thread, list[str]]:
    """Run `work()` in its own thread and session; the list gets "done" or the exception's name."""
    outcome: list[str] = []

    def run() -> None:
        with app.app_context():
            try:
                work()
                outcome.append("done")
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                outcome.append(type(error).__name__)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def close_round_by_id(round_id: int) -> None:
    round_services.close_round(db.session.get(Round, round_id))


def second_waits_for_first(app, pause_part: str, first, second) -> tuple[list, list]:
    """Run `first` up to its statement containing `pause_part` and hold it there, inside its
    transaction; start `second`, which must wait for that transaction; then let both finish.
    Returns both outcomes."""
    with paused_after(pause_part) as pause:
        first_thread, first_outcome = in_thread(app, first)
        assert pause.inside.wait(10)
        second_thread, second_outcome = in_thread(app, second)
        second_thread.join(0.5)
        assert second_thread.is_alive(), f"it did not wait for the open {pause_part}"
        pause.release.set()
        first_thread.join(10)
        second_thread.join(10)
    return first_outcome, second_outcome


def test_a_submit_under_way_holds_the_close_back_until_it_is_saved(app, ctx, open_round):
    token, round_id = open_round.tokens["staff0@example.org"], open_round.id
    db.session.remove()
    submitted, closed = second_waits_for_first(
        app,
        "INSERT INTO responses",
        lambda: survey_services.submit(survey_services.resolve(token), answer_all(Q, 4), {}),
        lambda: close_round_by_id(round_id),
    )
    assert submitted == ["done"] and closed == ["done"]
    assert db.session.get(Round, round_id).status == "closed"
    assert count(Response) == 1 and count(Answer) == len(Q.items)


def test_a_close_under_way_turns_a_submit_away_with_nothing_saved(app, ctx, open_round):
    token, round_id = open_round.tokens["staff0@example.org"], open_round.id
    db.session.remove()
    link = survey_services.resolve(token)
    assert link.round_status == "open"
    db.session.remove()
    closed, submitted = second_waits_for_first(
        app,
        "UPDATE rounds",
        lambda: close_round_by_id(round_id),
        lambda: survey_services.submit(link, answer_all(Q, 4), {}),
    )
    assert closed == ["done"] and submitted == ["RoundNotOpen"]
    assert count(Response) == 0 and count(Answer) == 0
    assert not db.session.get(Invitation, link.invitation_id).answered


@contextmanager
def right_after_the_link_is_read(app, work):
    """Run `work()` in its own session and thread as soon as a request has resolved its link,
    before the request goes on: what another worker does in between."""
    ran: list[str] = []

    def between(statement, parameters) -> None:
        if "UNION ALL" in statement and not ran:
            thread, outcome = in_thread(app, work)
            thread.join(10)
            ran.extend(outcome)

    with after_each_statement(between):
        yield ran


def test_an_overdue_round_closed_by_someone_else_meanwhile_still_says_closed(
    app, ctx, client, open_round
):
    token, round_id = open_round.tokens["staff0@example.org"], open_round.id
    open_round.closes_on = date.today() - timedelta(days=1)
    db.session.commit()
    db.session.remove()
    with right_after_the_link_is_read(app, lambda: close_round_by_id(round_id)) as ran:
        page = client.post(f"/s/{token}", data=full_answers())
    assert ran == ["done"]
    assert page.status_code == 410 and "This round has closed" in page.text
    assert db.session.get(Round, round_id).status == "closed"
    assert count(Response) == 0


def test_a_round_deleted_while_its_page_is_made_gives_the_unknown_link_page(
    app, ctx, client, open_round
):
    token, round_id = open_round.tokens["staff0@example.org"], open_round.id
    db.session.remove()
    delete = lambda: round_services.delete_round(db.session.get(Round, round_id))  # noqa: E731
    with right_after_the_link_is_read(app, delete) as ran:
        page = client.get(f"/s/{token}")
    assert ran == ["done"]
    assert page.status_code == 404 and "link" in page.text.lower()
    assert db.session.get(Round, round_id) is None


def count_reminder_traces() -> tuple[int, int]:
    """Reminder mail, and invitations that remember when they were reminded."""
    reminders = select(func.count()).where(OutboxMessage.kind == "reminder")
    reminded = select(func.count()).where(Invitation.last_reminded_at.is_not(None))
    return db.session.scalar(reminders), db.session.scalar(reminded)


def test_reminders_from_a_page_loaded_before_the_close_are_turned_away(app, ctx, open_round):
    """The leader's second tab still shows the round open: closing removes every reminder, so
    none may be queued after it."""
    round_id = open_round.id
    db.session.remove()
    stale = db.session.get(Round, round_id)
    assert stale.status == "open"
    thread, closed = in_thread(app, lambda: close_round_by_id(round_id))
    thread.join(10)
    assert closed == ["done"] and stale.status == "open", "this session's copy is stale"
    with pytest.raises(round_services.RoundError, match="only while the round is open"):
        round_services.send_reminders(stale)
    assert count_reminder_traces() == (0, 0)


def test_a_close_waits_for_reminders_under_way_and_then_removes_them(app, ctx, open_round):
    all_mail_sent()
    time_passes(days=3)
    round_id = open_round.id
    db.session.remove()
    reminded, closed = second_waits_for_first(
        app,
        "UPDATE rounds",
        lambda: round_services.send_reminders(db.session.get(Round, round_id)),
        lambda: close_round_by_id(round_id),
    )
    assert reminded == ["done"] and closed == ["done"]
    assert count_reminder_traces() == (0, 0)


def right_after_the_round_is_loaded(app, round_id: int, work):
    """Run `work()` in its own session and thread as soon as this thread has read the round by
    its id, before it goes on: a leader's other tab, between two steps of a request or of the
    sender's schedule."""
    ran: list[str] = []
    started = threading.Event()  # `work` loads the round too: step in once, from this thread

    def between(statement, parameters) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        loads_the_round = (
            statement.lstrip().startswith("SELECT rounds.") and "rounds.id =" in statement
        )
        if loads_the_round and round_id in values and not started.is_set():
            started.set()
            thread, outcome = in_thread(app, work)
            thread.join(10)
            ran.extend(outcome)

    return ran, after_each_statement(between)


@pytest.mark.parametrize("due", ["overdue", "reminders due"])
@pytest.mark.parametrize("change", ["closed", "deleted"])
def test_the_schedule_goes_on_when_a_leader_closes_or_deletes_a_round_meanwhile(
    app, ctx, leader, open_round, due, change
):
    if due == "overdue":
        open_round.closes_on = date.today() - timedelta(days=1)
    else:
        open_round.closes_on = date.today() + timedelta(days=1)
        open_round.reminder_days_before_close = 3
    later = round_services.create_round(
        leader, title="Later", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(later, "late@example.org, staff")
    round_services.open_round(later)
    later.closes_on = date.today() - timedelta(days=1)
    db.session.commit()
    round_id, later_id = open_round.id, later.id
    db.session.remove()
    if change == "closed":
        work = lambda: close_round_by_id(round_id)  # noqa: E731
    else:
        work = lambda: round_services.delete_round(db.session.get(Round, round_id))  # noqa: E731
    ran, stepping_in = right_after_the_round_is_loaded(app, round_id, work)
    with stepping_in:
        outcome = round_services.run_schedule()
    assert ran == ["done"]
    assert outcome == {"closed": 1, "reminders": 0}, "the later round, and nothing of the other"
    assert db.session.get(Round, later_id).status == "closed"
    assert count_reminder_traces() == (0, 0)
    if change == "deleted":
        assert db.session.get(Round, round_id) is None


def test_an_overdue_round_deleted_in_another_tab_while_its_page_loads_is_404(
    app, ctx, client, open_round
):
    open_round.closes_on = date.today() - timedelta(days=1)
    db.session.commit()
    round_id = open_round.id
    login(client, "leader@example.com")
    db.session.remove()
    delete = lambda: round_services.delete_round(db.session.get(Round, round_id))  # noqa: E731
    ran, stepping_in = right_after_the_round_is_loaded(app, round_id, delete)
    with stepping_in:
        page = client.get(f"/rounds/{round_id}")
    assert ran == ["done"] and page.status_code == 404


def test_closing_and_sending_reminders_at_once_do_not_deadlock(app, ctx, draft_round):
    """Both write every invitation of the round; they take the rows in the same (id) order.
    Rewritten in a random order at close, PostgreSQL found a deadlock in most of these runs."""
    invite(draft_round, "\n".join(f"p{i}@example.org, staff" for i in range(400)))
    round_services.open_round(draft_round)
    all_mail_sent()
    time_passes(days=3)
    round_id = draft_round.id
    db.session.remove()
    for _ in range(3):
        barrier = threading.Barrier(2)

        def at_once(work, barrier=barrier):
            def run() -> None:
                a_round = db.session.get(Round, round_id)
                barrier.wait()
                work(a_round)

            return run

        closing, close_outcome = in_thread(app, at_once(round_services.close_round))
        reminding, remind_outcome = in_thread(app, at_once(round_services.send_reminders))
        closing.join(30)
        reminding.join(30)
        assert close_outcome == ["done"] and remind_outcome in (["done"], ["RoundError"])
        assert count_reminder_traces() == (0, 0), "closing came last or turned reminders away"
        reopen = db.session.get(Round, round_id)
        reopen.status = "open"
        db.session.commit()
        db.session.remove()
