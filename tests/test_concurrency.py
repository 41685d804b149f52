"""Many respondents at the same instant, through the real survey route. SQLite and PostgreSQL.

Each respondent is a thread with its own test client (its own browser), all released together
by a barrier, so the database sees the submits overlap as it would under several workers.
"""

from __future__ import annotations

import threading

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Answer
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import Response
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from tests.conftest import full_answers
from tests.conftest import invite

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

    replies = post_at_once(app, [(f"/s/{token}", full_answers())] * 2)

    statuses = sorted(status for status, _ in replies)
    assert statuses == [302, 409]
    refused = next(body for status, body in replies if status == 409)
    assert "already" in refused.lower() and "answered" in refused.lower()
    assert count(Response) == 1
    assert count(Answer) == len(Q.items)
