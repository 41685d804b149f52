"""The respondent's side: links, validation, single use, bad input. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import re
import time
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Answer
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OpenLinkHour
from feedback360.models import Response
from feedback360.rounds import services as round_services
from feedback360.survey import services as survey_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from tests.helpers import add_user
from tests.helpers import answers_on_page
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import response_count
from tests.helpers import statements_sent
from tests.helpers import submit_at_once

Q = questionnaire.load()
CHECKED_5 = re.compile(r'<input checked[^>]*value="5"')


def test_get_shows_the_survey_and_never_uses_the_link(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    for _ in range(3):  # a mail scanner, a preview, the person
        page = client.get(f"/s/{token}")
        assert page.status_code == 200
        assert Q.dimensions[0].items[0].text in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"(src|href)=\"https?://", page.text), "nothing from other origins"
    assert token not in page.text.split("<form", 1)[1].split("</form>")[0].replace(
        f'action="/s/{token}"', ""
    ), "no hidden copy of the token inside the form"
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff0@example.org")
    )
    assert invitation.answered is False


def test_submit_saves_once_and_redirects_to_a_token_free_page(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers(**{comment_field("purpose"): "On LinkedIn in May her post on X helped."})
    reply = client.post(f"/s/{token}", data=data)
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/s/thanks"
    assert token not in reply.headers["Location"]
    assert client.get("/s/thanks").status_code == 200
    assert response_count() == 1
    saved = db.session.scalar(select(Response))
    assert saved.rater_group == "staff"
    assert len(saved.answers) == len(Q.items)
    assert [c.text for c in saved.comments] == ["On LinkedIn in May her post on X helped."]


def test_double_submit_gets_a_clear_page_and_no_second_response(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 302
    again = client.post(f"/s/{token}", data=full_answers("2"))
    assert again.status_code == 409
    assert "Not saved: this link has already been used" in again.text
    assert "your first send went through" in again.text
    assert response_count() == 1
    later = client.get(f"/s/{token}").text
    assert "This link has already been used" in later and "Not saved" not in later
    assert "private window" not in later, "the open-link tip is for open links only"


@pytest.mark.parametrize("token", ["forged-token-that-does-not-exist", "x" * 200, "a"])
def test_forged_or_mangled_link_gets_a_clear_page(client, open_round, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 404
    assert "This link does not work" in page.text
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 404
    assert response_count() == 0


def test_replaced_link_stops_working(client, open_round):
    old = open_round.tokens["staff0@example.org"]
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff0@example.org")
    )
    new = round_services.new_invitation_link(invitation)
    assert client.get(f"/s/{old}").status_code == 404
    assert client.get(f"/s/{new}").status_code == 200


def test_closed_round_refuses_answers_kindly(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    round_services.close_round(open_round)
    page = client.get(f"/s/{token}")
    assert page.status_code == 410 and "This round has closed" in page.text
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 410
    assert response_count() == 0


def test_round_past_its_closing_date_closes_itself(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    open_round.closes_on = date.today() - timedelta(days=1)
    db.session.commit()
    page = client.post(f"/s/{token}", data=full_answers())
    assert page.status_code == 410 and "This round has closed" in page.text
    assert db.session.get(type(open_round), open_round.id).status == "closed"


def test_draft_round_links_do_not_work_yet(client, draft_round):
    tokens = {}
    tokens.update(
        {i.email: t for i, t in round_services.add_invitations(draft_round, "a@x.org, staff")[0]}
    )
    page = client.get(f"/s/{tokens['a@x.org']}")
    assert page.status_code == 409 and "not opened yet" in page.text


def test_missing_answers_are_listed_and_given_answers_kept(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    first, second = Q.items[0], Q.items[1]
    data = full_answers("5", **{comment_field("purpose"): "Kept text ✓"})
    del data[item_field(first.id)]
    del data[item_field(second.id)]
    page = client.post(f"/s/{token}", data=data)
    assert page.status_code == 200
    assert "Please check 2 answers" in page.text
    assert f'href="#{item_field(first.id)}-fieldset"' in page.text
    assert "Kept text ✓" in page.text
    assert len(CHECKED_5.findall(page.text)) == len(Q.items) - 2
    assert response_count() == 0


def test_invalid_choice_is_refused(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    page = client.post(f"/s/{token}", data=full_answers(**{item_field(Q.items[0].id): "9"}))
    assert page.status_code == 200 and "Please check 1 answer" in page.text
    assert response_count() == 0


def test_a_repeated_answer_counts_once_and_unknown_items_are_ignored(client, open_round):
    """A hand-made POST: the first value of a repeated item counts, as in a browser's form."""
    token = open_round.tokens["staff0@example.org"]
    data = [(key, value) for key, value in full_answers("3").items()]
    data.insert(0, (item_field(Q.items[0].id), "1"))
    data.append((item_field("no_such_item"), "5"))
    assert client.post(f"/s/{token}", data=MultiDict(data)).status_code == 302
    saved = db.session.scalar(select(Response))
    values = {a.item_id: a.value for a in saved.answers}
    assert sorted(values) == sorted(item.id for item in Q.items)
    assert values[Q.items[0].id] == 1
    assert set(values.values()) == {1, 3}


@pytest.mark.parametrize("odd", [{"x": 1}, [["3"]], ["3", "4"], 3, None, True, "3"])
def test_a_json_body_counts_as_an_empty_form(client, open_round, odd):
    """Flask-WTF would read a JSON body as form data, values of any type included; the survey is
    a form, so a JSON post gets the missing-answers page and saves nothing."""
    token = open_round.tokens["staff0@example.org"]
    fields = {item_field(Q.items[0].id): odd, comment_field("purpose"): odd, "platforms": odd}
    page = client.post(f"/s/{token}", json={**full_answers("3"), **fields})
    assert page.status_code == 200
    assert "Choose an answer" in page.text
    assert response_count() == 0


def test_platforms_are_stored_as_a_sorted_set_and_survive_closing(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    page = client.get(f"/s/{token}")
    assert Q.platforms_question in page.text and 'type="checkbox"' in page.text
    data = full_answers()
    data["platforms"] = ["mastodon", "linkedin", "mastodon"]
    assert client.post(f"/s/{token}", data=data).status_code == 302
    assert db.session.scalar(select(Response.platforms)) == "linkedin,mastodon"
    round_services.close_round(open_round)
    assert db.session.scalar(select(Response.platforms)) == "linkedin,mastodon"


def test_platforms_are_optional(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 302
    assert db.session.scalar(select(Response.platforms)) == ""


def test_unknown_platform_is_refused_with_answers_kept(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers(**{comment_field("purpose"): "kept text"})
    data["platforms"] = ["linkedin", "myspace"]
    page = client.post(f"/s/{token}", data=data)
    assert page.status_code == 200 and "Please check 1 answer" in page.text
    assert "kept text" in page.text
    assert response_count() == 0


def test_huge_comment_is_refused_with_the_text_kept(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    huge = "Specific example. " * 200
    page = client.post(f"/s/{token}", data=full_answers(**{comment_field("keep"): huge}))
    assert page.status_code == 200
    assert "Please keep this under 2,000 characters" in page.text
    assert huge.strip() in page.text
    assert response_count() == 0


def test_body_over_a_megabyte_gets_a_clear_413(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    page = client.post(f"/s/{token}", data=full_answers(**{comment_field("keep"): "x" * 2_000_000}))
    assert page.status_code == 413
    assert "too large" in page.text
    assert response_count() == 0


def test_a_small_body_in_too_many_parts_gets_a_413_that_says_so(client, open_round):
    """Werkzeug refuses a multipart body of over 1,000 parts, however short it is."""
    token = open_round.tokens["staff0@example.org"]
    parts = {**full_answers(), **{f"extra{i}": "x" for i in range(1_100)}}
    page = client.post(f"/s/{token}", data=parts, content_type="multipart/form-data")
    assert page.status_code == 413
    assert "too many parts" in page.text
    assert response_count() == 0


def test_odd_unicode_is_stored_faithfully_and_control_characters_dropped(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    text = "Zoe\u0308 wrote 👩🏽‍💻 שלום \u202eRTL\u202c on Bluesky\x00\x08 — “quoted”"
    reply = client.post(f"/s/{token}", data=full_answers(**{comment_field("keep"): text}))
    assert reply.status_code == 302
    stored = db.session.scalar(select(Comment.text))
    assert stored == "Zoë wrote 👩🏽‍💻 שלום \u202eRTL\u202c on Bluesky — “quoted”"


def test_whitespace_only_comments_are_not_stored(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    client.post(f"/s/{token}", data=full_answers(**{comment_field("keep"): " \n\t "}))
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_not_observed_is_stored_as_null(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    client.post(f"/s/{token}", data=full_answers("na"))
    saved = db.session.scalar(select(Response))
    assert {a.value for a in saved.answers} == {None}


def test_open_link_takes_many_respondents_and_one_per_browser(app, client, open_round):
    link = round_services.ensure_open_link(open_round, "follower")
    token = round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    assert client.post(f"/s/{token}", data=full_answers()).status_code == 302
    again = client.get(f"/s/{token}")
    assert again.status_code == 409 and "already answered" in again.text
    other_browser = app.test_client()
    assert other_browser.post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 2
    assert {r.rater_group for r in db.session.scalars(select(Response))} == {"follower"}


def test_rotated_open_link_stops_the_old_one(app, client, open_round):
    link = round_services.ensure_open_link(open_round, "follower")
    old = round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    new = round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    assert client.get(f"/s/{old}").status_code == 404
    assert client.get(f"/s/{new}").status_code == 200


def one_invitation(app) -> str:
    """An open round with a single invitation, for apps outside the shared fixtures."""
    with app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="One", anonymity_threshold=3, closes_on=None, platforms=[]
        )
        token = invite(a_round, "r@example.org, staff")["r@example.org"]
        round_services.open_round(a_round)
    return token


def test_expired_csrf_token_keeps_the_answers(csrf_app, database_url):
    """A respondent who takes two hours: Flask-WTF's token has expired by then."""
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 1
    token = one_invitation(csrf_app)
    client = csrf_app.test_client()
    page = client.get(f"/s/{token}")
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    time.sleep(2.1)  # tokens carry whole seconds; older than the 1 s limit
    data = full_answers("3", csrf_token=csrf_token, **{comment_field("keep"): "Keep the AMAs"})
    page = client.post(f"/s/{token}", data=data)
    assert page.status_code == 200
    assert "press “Send my feedback” once more" in page.text
    kept = answers_on_page(page.text)
    assert kept[comment_field("keep")] == "Keep the AMAs"
    assert all(kept[item_field(item.id)] == "3" for item in Q.items)
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    data["csrf_token"] = fresh
    assert client.post(f"/s/{token}", data=data).status_code == 302
    with csrf_app.app_context():
        assert response_count() == 1


def test_missing_csrf_token_on_survey_is_refused(csrf_app):
    token = one_invitation(csrf_app)
    page = csrf_app.test_client().post(f"/s/{token}", data=full_answers())
    assert page.status_code == 200 and "once more" in page.text
    with csrf_app.app_context():
        assert response_count() == 0


def test_parallel_submits_of_one_link_store_exactly_one_response(app, open_round):
    """The database, not Python, decides: the conditional UPDATE lets only one through."""
    token = open_round.tokens["colleague0@example.org"]
    ratings = {item.id: 4 for item in Q.items}
    outcomes = submit_at_once(app, token, 6, ratings, {"keep": "same"})
    assert outcomes == ["AlreadyAnswered"] * 5 + ["saved"]
    assert response_count() == 1


def test_a_failure_midway_leaves_no_half_response(open_round):
    """All-or-nothing: a bad answer row rolls back the response and the invitation mark."""
    token = open_round.tokens["staff1@example.org"]
    link = survey_services.resolve(token)
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        survey_services.submit(link, {Q.items[0].id: 4, Q.items[1].id: 99}, {})
    assert response_count() == 0
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff1@example.org")
    )
    assert invitation.answered is False
    survey_services.submit(survey_services.resolve(token), {Q.items[0].id: 4}, {})
    assert response_count() == 1


def test_each_answer_and_comment_is_stored_under_its_own_item(open_round):
    ratings = {Q.items[0].id: 4, Q.items[1].id: None, Q.items[2].id: 2, Q.items[3].id: 5}
    keys = Q.comment_keys()
    comments = {keys[0]: "Kind", keys[1]: "", keys[-1]: "Brief"}
    survey_services.submit(
        survey_services.resolve(open_round.tokens["staff0@example.org"]), ratings, comments
    )
    assert dict(db.session.execute(select(Answer.item_id, Answer.value)).all()) == ratings
    assert dict(db.session.execute(select(Comment.key, Comment.text)).all()) == comments


def test_a_postgresql_submit_is_one_statement(app, open_round, monkeypatch):
    """One round trip saves a response with its answers, comments and claim, for an invitation
    and for an open link (its place and its hour). SQLite has no writes in WITH: one per step."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-statement submit is PostgreSQL's")
    hour = datetime(2026, 5, 4, 9)
    monkeypatch.setattr(survey_services, "current_hour", lambda: hour)
    open_link = round_services.ensure_open_link(open_round, "follower")
    open_token = round_services.rotate_open_link(open_link, app.config["SECRET_KEY"])
    ratings = {Q.items[0].id: 4, Q.items[1].id: None, Q.items[2].id: 2}
    comments = {Q.comment_keys()[0]: "Kind", Q.comment_keys()[-1]: "Brief"}
    platform = Q.platforms[0].id
    for token in (open_round.tokens["staff0@example.org"], open_token, open_token):
        link = survey_services.resolve(token)
        with statements_sent() as sent:
            survey_services.submit(link, ratings, comments, [platform])
        assert len(sent) == 1 and sent[0].startswith("WITH new_response AS")
    assert response_count() == 3
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 9
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 6
    assert set(db.session.scalars(select(Response.platforms))) == {platform}
    assert db.session.scalar(select(func.count()).where(Invitation.answered)) == 1
    assert db.session.get(OpenLink, open_link.id).responses == 2
    assert db.session.scalar(select(OpenLinkHour.answers).where(OpenLinkHour.hour == hour)) == 2


def test_access_log_lines_never_carry_a_survey_token(app, caplog):
    """Werkzeug logs each request line; the survey token in it is replaced."""
    token = "AbC_def-123456789012345678901234"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s', "127.0.0.1", "now", f"POST /s/{token} HTTP/1.1", 302, "-"
        )
        logging.getLogger("werkzeug").info('"%s" %s', "GET /s/thanks HTTP/1.1", 200)
    assert token not in caplog.text
    assert "POST /s/[redacted] HTTP/1.1" in caplog.text
    assert "GET /s/thanks HTTP/1.1" in caplog.text


def test_survey_page_arrives_in_one_request_under_14_kb_compressed(client, open_round):
    """Styles inline, allowed by their hash alone; nothing else to fetch."""
    page = client.get(f"/s/{open_round.tokens['staff0@example.org']}")
    style = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = page.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}'" in policy and "unsafe-inline" not in policy
    assert 'rel="stylesheet"' not in page.text and "<script" not in page.text
    assert not re.search(r'(?:src|href)="/static/', page.text)
    assert len(gzip.compress(page.data, 6)) <= 14 * 1024
