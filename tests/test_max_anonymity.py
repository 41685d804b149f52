"""Rounds with maximum anonymity: nobody, not even the database, records who answered.

Single use is kept in `spent_tokens` under an HMAC the server's secret key alone can match to an
invitation, so invitations look the same whether answered or not. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.mail import compose
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.models import SpentToken
from feedback360.outbox import now
from feedback360.rounds import services as round_services
from feedback360.rounds.services import invitations as round_invitations
from feedback360.rounds.services import progress as round_progress
from feedback360.survey import services as survey_services
from feedback360.tokens import hash_token
from feedback360.tokens import spent_digest
from tests.helpers import all_mail_sent
from tests.helpers import answer_all
from tests.helpers import full_answers
from tests.helpers import invitation_row
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import response_count
from tests.helpers import statements_sent
from tests.helpers import submit_at_once
from tests.helpers import submit_via_token
from tests.helpers import time_passes

Q = questionnaire.load()
PEOPLE = "\n".join(
    [f"staff{i}@example.org, staff" for i in range(4)]
    + [f"colleague{i}@example.org, colleague" for i in range(3)]
)
# What an invitation row may hold that differs between two people of one group.
PER_PERSON = {"id", "email", "nonce", "token_hash", "emailed", "last_reminded_at", "created_at"}


def max_round(leader, **fields) -> Round:
    a_round = round_services.create_round(
        leader,
        title="Private round",
        platforms=[],
        anonymity_threshold=3,
        closes_on=date.today() + timedelta(days=14),
        max_anonymity=True,
        **fields,
    )
    a_round.tokens = invite(a_round, PEOPLE)
    return a_round


@pytest.fixture
def open_max_round(leader):
    a_round = max_round(leader)
    round_services.open_round(a_round)
    return a_round


def spent_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SpentToken))


def invitation_of(email: str) -> Invitation:
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def every_row() -> dict[str, list[tuple]]:
    """Every table's rows, as the database holds them, in a stable order."""
    return {
        table.name: sorted(db.session.execute(text(f"SELECT * FROM {table.name}")).all(), key=repr)
        for table in db.metadata.sorted_tables
    }


# --- What is stored ---------------------------------------------------------------------------


def test_spent_tokens_hold_only_the_round_and_a_digest(app, ctx):
    inspector = inspect(db.engine)
    columns = inspector.get_columns("spent_tokens")
    assert {c["name"] for c in columns} == {"round_id", "digest"}
    assert not any(isinstance(c["type"], DateTime) for c in columns)
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("spent_tokens")} == {"rounds"}
    (foreign_key,) = inspector.get_foreign_keys("spent_tokens")
    assert foreign_key["options"].get("ondelete", "").upper() == "CASCADE"


def test_answering_changes_nothing_but_responses_and_spent_tokens(open_max_round):
    before = every_row()
    xmins = "SELECT id, xmin::text FROM invitations ORDER BY id"
    if db.engine.dialect.name == "postgresql":
        invitation_versions = db.session.execute(text(xmins)).all()
    for email in ("staff0@example.org", "staff1@example.org", "colleague0@example.org"):
        submit_via_token(open_max_round.tokens[email], answer_all(Q, 4), {"keep": "Go on"})
    after = every_row()
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"responses", "answers", "comments", "spent_tokens"}
    assert len(after["spent_tokens"]) == 3
    if db.engine.dialect.name == "postgresql":
        # Not even a new row version: an UPDATE would leave the answering transaction's id.
        assert db.session.execute(text(xmins)).all() == invitation_versions


def test_answered_and_unanswered_invitations_look_the_same(open_max_round):
    """After answers, reminders and delivered mail, no column tells who answered."""
    all_mail_sent()
    time_passes(days=3)
    answered = ("staff0@example.org", "staff1@example.org", "colleague0@example.org")
    for email in answered:
        submit_via_token(open_max_round.tokens[email], answer_all(Q, 4))
    round_services.send_reminders(open_max_round)
    db.session.execute(update(OutboxMessage).values(status="sent"))
    db.session.execute(update(Invitation).values(emailed=True))
    db.session.commit()
    rows = {
        row["email"]: {k: v for k, v in row.items() if k not in PER_PERSON}
        for row in db.session.execute(text("SELECT * FROM invitations")).mappings()
    }
    for group in ("staff", "colleague"):
        same_group = [row for email, row in rows.items() if email.startswith(group)]
        assert all(row == same_group[0] for row in same_group), group
    assert not any(row["answered"] for row in rows.values())
    reminded = db.session.scalars(
        select(OutboxMessage.to_address).where(OutboxMessage.kind == "reminder")
    ).all()
    assert sorted(reminded) == sorted(open_max_round.tokens), "everyone, answered or not"


def test_a_spent_digest_matches_no_invitation_hash(open_max_round):
    for email in ("staff0@example.org", "staff1@example.org"):
        submit_via_token(open_max_round.tokens[email], answer_all(Q, 4))
    digests = set(db.session.scalars(select(SpentToken.digest)))
    invitations = db.session.scalars(select(Invitation)).all()
    known = {i.token_hash for i in invitations} | {i.nonce for i in invitations}
    known |= {hash_token(t) for t in open_max_round.tokens.values()}
    known |= {hash_token(str(i.id)) for i in invitations}
    assert len(digests) == 2 and digests.isdisjoint(known)
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)
    # Only the secret key turns an invitation into its digest.
    staff0 = invitation_of("staff0@example.org")
    key = current_app.config["SECRET_KEY"]
    assert spent_digest(key, open_max_round.id, staff0.id) in digests
    assert spent_digest("another key", open_max_round.id, staff0.id) not in digests


# --- Single use -------------------------------------------------------------------------------


def test_a_link_answers_once_and_then_says_so(client, open_max_round):
    token = open_max_round.tokens["staff2@example.org"]
    assert client.get(f"/s/{token}").status_code == 200
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 302
    again = client.get(f"/s/{token}")
    assert again.status_code == 409 and "This link has already been used" in again.text
    second = client.post(f"/s/{token}", data=full_answers("2"))
    assert second.status_code == 409
    assert "Not saved: this link has already been used" in second.text
    assert response_count() == 1 and spent_count() == 1
    with pytest.raises(survey_services.AlreadyAnswered):
        survey_services.submit(
            replace(survey_services.resolve(token), answered=False),
            answer_all(Q, 3),
            {},
        )
    assert response_count() == 1
    assert invitation_of("staff2@example.org").answered is False


def test_parallel_submits_of_one_link_store_exactly_one_response(app, open_max_round):
    token = open_max_round.tokens["colleague1@example.org"]
    outcomes = submit_at_once(app, token, 6, answer_all(Q, 4), {"keep": "same"})
    assert outcomes == ["AlreadyAnswered"] * 5 + ["saved"]
    assert response_count() == 1 and spent_count() == 1


def test_a_postgresql_submit_spends_the_link_in_the_same_one_statement(open_max_round):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-statement submit is PostgreSQL's")
    token = open_max_round.tokens["staff2@example.org"]
    stale = survey_services.resolve(token)
    with statements_sent() as sent:
        survey_services.submit(stale, answer_all(Q, 4), {})
    assert len(sent) == 1 and "INSERT INTO spent_tokens" in sent[0]
    with pytest.raises(survey_services.AlreadyAnswered):
        survey_services.submit(stale, answer_all(Q, 5), {})
    assert response_count() == 1 and spent_count() == 1


def test_a_failure_midway_leaves_the_link_unspent(open_max_round):
    token = open_max_round.tokens["staff3@example.org"]
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        submit_via_token(token, {Q.items[0].id: 4, Q.items[1].id: 99})
    assert response_count() == 0 and spent_count() == 0
    submit_via_token(token, {Q.items[0].id: 4})
    assert response_count() == 1 and spent_count() == 1


def test_a_new_link_for_someone_who_answered_does_not_let_them_answer_again(client, open_max_round):
    invitations = {
        email: invitation_of(email) for email in ("staff0@example.org", "staff1@example.org")
    }
    submit_via_token(open_max_round.tokens["staff0@example.org"], answer_all(Q, 4))
    login(client, "leader@example.com")
    flashes = []
    for invitation in invitations.values():
        page = client.post(
            f"/rounds/{open_max_round.id}/invitations/{invitation.id}/link", follow_redirects=True
        )
        flashes.append(re.search(r"gets a new link by email now[^<]*", page.text)[0])
    assert flashes[0] == flashes[1], "the leader learns nothing from a new link"
    new_token = round_invitations._new_link(invitations["staff0@example.org"])
    db.session.commit()
    page = client.get(f"/s/{new_token}")
    assert page.status_code == 409 and "This link has already been used" in page.text


def test_open_links_of_the_round_work_as_usual(app, open_max_round):
    link = round_services.ensure_open_link(open_max_round, "follower")
    token = round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    for _browser in range(2):
        assert app.test_client().post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 2 and spent_count() == 0


def test_closing_forgets_which_links_were_used(open_max_round):
    for email in ("staff0@example.org", "staff1@example.org", "staff2@example.org"):
        submit_via_token(open_max_round.tokens[email], answer_all(Q, 4))
    assert spent_count() == 3
    round_services.close_round(open_max_round)
    assert spent_count() == 0 and response_count() == 3


# --- Reminders --------------------------------------------------------------------------------


def test_reminders_go_to_everyone_who_has_not_declined_once_a_day(client, open_max_round):
    all_mail_sent()
    time_passes(days=3)
    submit_via_token(open_max_round.tokens["staff0@example.org"], answer_all(Q, 4))
    round_services.decline(invitation_of("staff1@example.org"))
    login(client, "leader@example.com")
    page = client.post(f"/rounds/{open_max_round.id}/reminders", follow_redirects=True)
    everyone = len(open_max_round.tokens) - 1
    assert "Reminders are on their way to everyone invited who has not declined" in page.text
    reminded = set(
        db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "reminder"))
    )
    assert reminded == set(open_max_round.tokens) - {"staff1@example.org"}
    assert "staff0@example.org" in reminded
    again = round_services.send_reminders(open_max_round)
    assert (again.queued, again.too_soon) == (0, everyone)
    db.session.execute(update(Invitation).values(last_reminded_at=now() - timedelta(hours=25)))
    db.session.commit()
    assert round_services.send_reminders(open_max_round).queued == everyone


def test_the_reminder_thanks_those_who_already_answered(app, open_max_round, draft_round):
    app.config["BASE_URL"] = "https://feedback.example.net"
    all_mail_sent()
    time_passes(days=3)
    submit_via_token(open_max_round.tokens["staff0@example.org"], answer_all(Q, 4))
    round_services.send_reminders(open_max_round)
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "reminder", OutboxMessage.to_address == "staff0@example.org"
        )
    )
    email = compose(message)
    for subtype in ("plain", "html"):
        body = " ".join(email.get_body(preferencelist=(subtype,)).get_content().split())
        assert "If you have already answered, thank you, and please ignore this email." in body
        assert "keeps no record of who has answered, not even in its database" in body
        assert open_max_round.tokens["staff0@example.org"] in body
    # An ordinary round thanks them too, without the maximum-anonymity sentence.
    invite(draft_round, "ann@example.org, staff")
    round_services.open_round(draft_round)
    all_mail_sent()
    time_passes(days=3)
    round_services.send_reminders(draft_round)
    ordinary = compose(
        db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.to_address == "ann@example.org", OutboxMessage.kind == "reminder"
            )
        )
    )
    plain = " ".join(ordinary.get_body(preferencelist=("plain",)).get_content().split())
    assert "If you have already answered, thank you" in plain
    assert "keeps no record" not in plain


def test_automatic_reminders_reach_everyone_not_declined(leader):
    a_round = max_round(leader, reminder_days_before_close=3)
    a_round.closes_on = date.today() + timedelta(days=2)
    round_services.open_round(a_round)
    all_mail_sent()
    time_passes(days=3)
    submit_via_token(a_round.tokens["staff0@example.org"], answer_all(Q, 4))
    round_services.decline(invitation_of("colleague0@example.org"))
    assert round_services.run_schedule() == {"closed": 0, "reminders": len(a_round.tokens) - 1}


# --- The leader's pages -----------------------------------------------------------------------


def test_progress_shows_responses_per_group_and_says_why_not_who(client, open_max_round):
    time_passes(days=3)
    for email in ("staff0@example.org", "staff1@example.org", "colleague0@example.org"):
        submit_via_token(open_max_round.tokens[email], answer_all(Q, 4))
    progress = {p.group: p for p in round_progress.progress(open_max_round)}
    assert (progress["staff"].invited, progress["staff"].responses) == (4, 2)
    assert progress["staff"].answered is None and progress["staff"].rate is None
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_max_round.id}").text
    table = page.split('id="progress"', 1)[1].split("</table>", 1)[0]
    assert "Answered" not in table and "Rate" not in table and "%" not in table
    assert "records which invitations were answered" in page
    assert "Remind everyone who has not declined" in page
    staff_row = re.search(r"<th scope=\"row\">Staff</th>(.*?)</tr>", table, re.S)[1]
    assert re.findall(r"<td>(\d+)", staff_row) == ["4", "0", "2"]

    assert invitation_row(page, "staff0@example.org") == invitation_row(page, "staff3@example.org")


def test_an_ordinary_round_still_shows_answered_and_rate(client, open_round):
    submit_via_token(open_round.tokens["staff0@example.org"], answer_all(Q, 4))
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}").text
    assert '<th scope="col">Answered</th>' in page and "33%" in page
    assert "records which invitations were answered" not in page


# --- The setting ------------------------------------------------------------------------------

ROUND_FORM = {
    "title": "Private round",
    "anonymity_threshold": "3",
    "why": "",
    "success_measures": "",
}


def test_the_form_sets_it_and_explains_the_trade_off(client, leader):
    login(client, "leader@example.com")
    page = client.get("/rounds/new").text
    hint = " ".join(page.split('id="max_anonymity-hint"', 1)[1].split("</p>", 1)[0].split())
    assert "not even someone holding the database can see which invitation was answered" in hint
    assert "reminders go to everyone who has not declined" in hint
    assert "reminders skip people who answered" in hint
    assert client.post("/rounds/new", data={**ROUND_FORM, "max_anonymity": "y"}).status_code == 302
    a_round = db.session.scalar(select(Round))
    assert a_round.max_anonymity is True
    assert "maximum anonymity" in client.get(f"/rounds/{a_round.id}").text


def test_it_can_change_only_while_nothing_has_gone_out(client, leader, draft_round):
    login(client, "leader@example.com")
    edit = f"/rounds/{draft_round.id}/edit"
    assert client.post(edit, data={**ROUND_FORM, "max_anonymity": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, draft_round.id).max_anonymity is True
    assert client.post(edit, data=ROUND_FORM).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, draft_round.id).max_anonymity is False
    assert 'id="max_anonymity"' in client.get(edit).text
    assert "disabled" not in client.get(edit).text.split('id="max-anonymity"', 1)[1][:400]


@pytest.mark.parametrize("start", [False, True])
def test_no_post_can_switch_it_once_invitations_went_out(client, leader, start):
    a_round = round_services.create_round(
        leader, title="Locked", platforms=[], anonymity_threshold=3, max_anonymity=start
    )
    invite(a_round, "ann@example.org, staff")
    round_id = a_round.id
    login(client, "leader@example.com")
    edit = f"/rounds/{round_id}/edit"
    form = client.get(edit).text.split('id="max-anonymity"', 1)[1].split("</div>", 1)[0]
    assert "disabled" in form and ("checked" in form) is start
    assert f"{'On' if start else 'Off'} for this round, and fixed:" in form
    for data in ({**ROUND_FORM, "max_anonymity": "y"}, ROUND_FORM):
        reply = client.post(edit, data={**data, "title": "Renamed"})
        assert reply.status_code == 302, "other settings still save"
        db.session.expire_all()
        assert db.session.get(Round, round_id).max_anonymity is start
    a_round = db.session.get(Round, round_id)
    with pytest.raises(round_services.RoundError, match="can no longer be switched"):
        round_services.update_round(a_round, max_anonymity=not start)
    db.session.rollback()
    assert db.session.get(Round, round_id).max_anonymity is start
    round_services.open_round(a_round)
    with pytest.raises(round_services.RoundError):
        round_services.update_round(a_round, max_anonymity=not start)
