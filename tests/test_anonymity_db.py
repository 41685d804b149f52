"""Anonymity as stored and as shown: every rule checked on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import DateTime
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import Response
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import invitation_row
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = questionnaire.load()
RESPONSE_TABLES = ("responses", "answers", "comments")


def test_response_tables_hold_no_link_to_people_or_time(app, ctx):
    inspector = inspect(db.engine)
    assert {c["name"] for c in inspector.get_columns("responses")} == {
        "id",
        "round_id",
        "rater_group",
        "platforms",  # a set of platform ids the respondent ticked, nothing about them or when
    }
    for table in RESPONSE_TABLES:
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets <= {"rounds", "responses"}, table
        for column in inspector.get_columns(table):
            name = column["name"].lower()
            assert not re.search(r"ip|agent|time|date|created|updated|email|invit", name), name
            assert not isinstance(column["type"], DateTime), (table, name)


def test_invitation_learns_only_that_it_was_answered(app, ctx):
    """No time of answering: the only times on an invitation are its creation and reminders."""
    columns = {c["name"]: c["type"] for c in inspect(db.engine).get_columns("invitations")}
    assert set(columns) == {
        "id",
        "round_id",
        "email",
        "rater_group",
        "token_hash",
        "nonce",
        "answered",
        "declined",
        "emailed",
        "last_reminded_at",
        "created_at",
        # The language the leader set on the line, for its mail; never the survey's language.
        "language",
    }
    times = {name for name, kind in columns.items() if isinstance(kind, DateTime)}
    assert times == {"created_at", "last_reminded_at"}


def test_response_ids_are_random_uuid4(open_round):
    for email in ("staff0@example.org", "staff1@example.org", "staff2@example.org"):
        submit_via_token(open_round.tokens[email], answer_all(Q, 4))
    ids = db.session.scalars(select(Response.id)).all()
    assert all(uuid.UUID(i).version == 4 for i in ids)
    assert len(set(ids)) == 3


def _stored_order(round_id: int) -> list[str]:
    """Comment texts in the database's physical row order (rowid or ctid), no ORDER BY."""
    physical = "rowid" if db.engine.dialect.name == "sqlite" else "ctid"
    sql = (
        "SELECT c.text FROM responses r JOIN comments c ON c.response_id = r.id "
        f"WHERE r.round_id = :r ORDER BY r.{physical}"
    )
    return list(db.session.scalars(text(sql), {"r": round_id}))


def test_closing_rewrites_responses_in_a_random_order(leader):
    a_round = round_services.create_round(
        leader, title="Order", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    tokens = invite(a_round, "\n".join(f"p{i}@example.org, staff" for i in range(12)))
    round_services.open_round(a_round)
    for i in range(12):
        submit_via_token(tokens[f"p{i}@example.org"], answer_all(Q, 3), {"keep": f"#{i:02d}"})
    before_ids = set(db.session.scalars(select(Response.id)))
    assert _stored_order(a_round.id) == [f"#{i:02d}" for i in range(12)]
    round_services.close_round(a_round)
    db.session.expire_all()
    after = _stored_order(a_round.id)
    assert sorted(after) == [f"#{i:02d}" for i in range(12)], "nothing lost"
    assert after != [f"#{i:02d}" for i in range(12)], "submission order is gone"
    assert before_ids.isdisjoint(db.session.scalars(select(Response.id))), "fresh random ids"
    if db.engine.dialect.name == "postgresql":
        xmins = db.session.execute(text("SELECT DISTINCT xmin::text FROM responses")).all()
        assert len(xmins) == 1, "one transaction wrote every row"


def _answered_in_reverse(leader, people: int = 12):
    """A round whose invitees answer last-invited first, each with a comment naming them."""
    a_round = round_services.create_round(
        leader, title="Order", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    tokens = invite(a_round, "\n".join(f"p{i:02d}@example.org, staff" for i in range(people)))
    round_services.open_round(a_round)
    answer_order = [f"p{i:02d}@example.org" for i in reversed(range(people))]
    for email in answer_order:
        submit_via_token(tokens[email], answer_all(Q, 3), {"keep": f"MARK-{email}-END"})
    return a_round, answer_order


def test_closing_leaves_postgresql_no_trace_of_who_answered_when(leader):
    """An answered invitation was written by its submit: it kept that transaction's id (the
    same as its response's dead rows) and its place in the heap, in answer order."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("transaction ids and heap order are PostgreSQL's")
    a_round, answer_order = _answered_in_reverse(leader)
    heap_order = text("SELECT email FROM invitations WHERE round_id = :r ORDER BY ctid")
    assert list(db.session.scalars(heap_order, {"r": a_round.id})) == answer_order, (
        "the test must see the order before closing"
    )
    round_services.close_round(a_round)
    after = list(db.session.scalars(heap_order, {"r": a_round.id}))
    assert sorted(after) == sorted(answer_order)
    assert after == sorted(answer_order), "the order they were invited in, not answered in"
    writers = text(
        "SELECT DISTINCT xmin::text FROM invitations WHERE round_id = :r "
        "UNION SELECT DISTINCT xmin::text FROM responses WHERE round_id = :r"
    )
    assert len(db.session.scalars(writers, {"r": a_round.id}).all()) == 1, (
        "the closing transaction wrote every invitation and response"
    )


def test_after_closing_each_answer_lies_once_in_the_sqlite_files(leader):
    """The WAL holds each submit as its own commit, the answered invitation beside the new
    response; closing checkpoints it away, so only the shuffled rows are left on disk."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the files are SQLite's")
    database = Path(db.engine.url.database)
    a_round, answer_order = _answered_in_reverse(leader)

    def on_disk() -> bytes:
        wal = database.with_name(database.name + "-wal")
        return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert any(on_disk().count(f"MARK-{e}-END".encode()) > 1 for e in answer_order), (
        "the test must see the older copies before closing"
    )
    round_services.close_round(a_round)
    files = on_disk()
    assert [files.count(f"MARK-{e}-END".encode()) for e in answer_order] == [1] * len(answer_order)
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_threshold_below_three_is_refused_by_the_database(leader):
    with pytest.raises(IntegrityError):
        db.session.add(
            Round(leader=leader, title="x", questionnaire_version=Q.version, anonymity_threshold=2)
        )
        db.session.commit()
    db.session.rollback()


def test_one_invitation_per_email_per_round_in_the_database(draft_round):
    invite(draft_round, "a@example.org, staff")
    with pytest.raises(IntegrityError):
        db.session.add(
            Invitation(
                round=draft_round, email="a@example.org", rater_group="staff", token_hash="x"
            )
        )
        db.session.commit()
    db.session.rollback()


def _answered_round(leader, groups: dict[str, tuple[int, int]], comment=None):
    """A closed round; `groups` maps group -> (respondents, rating given by each)."""
    a_round = round_services.create_round(
        leader, title="Results", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    lines = [f"{g}{i}@example.org, {g}" for g, (n, _) in groups.items() for i in range(n)]
    tokens = invite(a_round, "\n".join(lines))
    round_services.open_round(a_round)
    for g, (n, value) in groups.items():
        for i in range(n):
            comments = comment(g, i) if comment else {}
            submit_via_token(tokens[f"{g}{i}@example.org"], answer_all(Q, value), comments)
    return a_round


def test_while_open_the_leader_sees_counts_not_scores(client, leader, open_round):
    for email in ("staff0@example.org", "staff1@example.org", "staff2@example.org"):
        submit_via_token(open_round.tokens[email], answer_all(Q, 5))
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}/results")
    assert page.status_code == 200
    assert "Results appear when the round closes" in page.text
    assert "5.0" not in page.text and "<svg" not in page.text
    assert client.get(f"/rounds/{open_round.id}/report.pdf").status_code == 409


def test_hidden_group_is_left_out_of_every_total_and_its_comments_hidden(client, leader):
    def comment(group, i):
        return {"keep": f"{group.upper()}-MARKER-{i}"}

    a_round = _answered_round(
        leader, {"colleague": (5, 5), "staff": (5, 3), "follower": (2, 1)}, comment
    )
    round_services.close_round(a_round)
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{a_round.id}/results").text
    # All raters = colleagues and staff only: (5*5 + 5*3) / 10 = 4.0; with followers 3.5.
    groups = page.split("<h3>By group</h3>", 1)[1].split("</table>", 1)[0]
    first_row = groups.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="n[^"]*">([^<]*)</td>', first_row) == ["4.0", "5.0", "3.0"]
    assert "3.5" not in groups and "1.0" not in groups
    assert "Followers" not in groups and "Colleagues" in groups
    assert "COLLEAGUE-MARKER-0" in page and "STAFF-MARKER-4" in page
    assert "FOLLOWER-MARKER" not in page
    assert "not even in “All raters” or any other total" in page


def test_two_small_groups_are_folded_together_only_when_they_reach_the_threshold(client, leader):
    a_round = _answered_round(leader, {"colleague": (3, 5), "staff": (2, 3), "other": (1, 1)})
    round_services.close_round(a_round)
    login(client, "leader@example.com")
    page = re.sub(r"<[^>]+>", "", client.get(f"/rounds/{a_round.id}/results").text)
    assert "Other groups combined (3)" in page
    # The combined line: (3+3+1)/3 = 2.3; everyone reported: (15+7)/6 = 3.7.
    assert "2.3" in page and "3.7" in page


def test_comments_are_shown_in_an_order_unrelated_to_submission(client, leader):
    def comment(group, i):
        return {"change": f"Comment number {i:02d} about posting more."}

    a_round = _answered_round(leader, {"staff": (12, 4)}, comment)
    submitted = [f"Comment number {i:02d} about posting more." for i in range(12)]
    round_services.close_round(a_round)
    login(client, "leader@example.com")
    first = re.findall(
        r"Comment number \d\d about posting more\.",
        client.get(f"/rounds/{a_round.id}/results").text,
    )
    second = re.findall(
        r"Comment number \d\d about posting more\.",
        client.get(f"/rounds/{a_round.id}/results").text,
    )
    assert sorted(first) == submitted
    assert first != submitted
    assert first == second, "stable between renders"
    labels = re.findall(r"Respondent\s*#?\s*\d+", client.get(f"/rounds/{a_round.id}/results").text)
    assert labels == [], "comments carry no respondent label"


def test_threshold_cannot_be_lowered_once_invitations_went_out(client, leader, draft_round):
    login(client, "leader@example.com")
    form = {
        "title": "Spring round",
        "anonymity_threshold": "5",
        "why": "",
        "success_measures": "",
    }
    assert client.post(f"/rounds/{draft_round.id}/edit", data=form).status_code == 302
    invite(draft_round, "a@example.org, staff")
    page = client.post(f"/rounds/{draft_round.id}/edit", data={**form, "anonymity_threshold": "4"})
    assert "it can be raised but not lowered" in page.text
    db.session.expire_all()
    assert db.session.get(Round, draft_round.id).anonymity_threshold == 5
    raised = client.post(
        f"/rounds/{draft_round.id}/edit", data={**form, "anonymity_threshold": "7"}
    )
    assert raised.status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, draft_round.id).anonymity_threshold == 7


def test_threshold_below_three_is_refused_by_the_form(client, leader, draft_round):
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{draft_round.id}/edit", data={"title": "x", "anonymity_threshold": "2"}
    )
    assert "Use a number from 3 to 50." in page.text


def test_leader_and_coach_cannot_be_invited_as_respondents(client, leader, coach, draft_round):
    round_services.share_with_coach(draft_round, "coach@example.com")
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{draft_round.id}/invitations",
        data={"lines": "leader@example.com, staff\nCOACH@example.com, colleague\nok@x.org, staff"},
    )
    assert "That is your own address" in page.text
    assert "coaches cannot rate anonymously" in page.text
    emails = db.session.scalars(select(Invitation.email)).all()
    assert emails == ["ok@x.org"]


def test_an_invitee_cannot_become_the_coach(client, leader, draft_round):
    invite(draft_round, "sam@example.org, staff")
    login(client, "leader@example.com")
    page = client.post(
        f"/rounds/{draft_round.id}/shares", data={"email": "sam@example.org"}, follow_redirects=True
    )
    assert "cannot also be the coach" in page.text


def test_leader_cannot_tell_which_invitee_answered(client, leader, open_round):
    submit_via_token(open_round.tokens["staff0@example.org"], answer_all(Q, 4))
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}").text

    assert invitation_row(page, "staff0@example.org") == invitation_row(page, "staff1@example.org")


def test_comment_rows_carry_their_own_random_ids(open_round):
    submit_via_token(
        open_round.tokens["staff0@example.org"], answer_all(Q, 4), {"keep": "a", "change": "b"}
    )
    comments = db.session.scalars(select(Comment)).all()
    assert len({c.id for c in comments}) == 2
    assert all(uuid.UUID(c.id).version == 4 and c.id != c.response_id for c in comments)
