"""The survey's CSRF token: bound to a personal link, so a browser without cookies can answer;
still refused when missing, forged, from another link or expired. Open links need cookies and
say so. SQLite and PostgreSQL, with CSRF checks on as deployed."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from tests.helpers import add_user
from tests.helpers import answers_on_page
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import response_count

Q = questionnaire.load()
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
COMMENT = {comment_field("keep"): "Keep the Friday threads"}


def two_invitations_and_an_open_link(app) -> dict[str, str]:
    """Tokens of two personal links and of an open link, in one open round."""
    with app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="One", anonymity_threshold=3, closes_on=None, platforms=[]
        )
        tokens = invite(a_round, "ann@example.org, staff\nbob@example.org, staff")
        round_services.open_round(a_round)
        link = round_services.ensure_open_link(a_round, "follower")
        tokens["open"] = round_services.rotate_open_link(link, app.config["SECRET_KEY"])
    return tokens


def csrf_token_of(page) -> str:
    return CSRF_FIELD.search(page.text)[1]


def answered(app, email: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(Invitation.answered).where(Invitation.email == email))


def test_a_browser_without_cookies_answers_a_personal_link(csrf_app):
    tokens = two_invitations_and_an_open_link(csrf_app)
    browser = csrf_app.test_client(use_cookies=False)
    page = browser.get(f"/s/{tokens['ann@example.org']}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers, "a personal link's page needs no cookie"
    data = full_answers("4", csrf_token=csrf_token_of(page), **COMMENT)
    reply = browser.post(f"/s/{tokens['ann@example.org']}", data=data)
    assert reply.status_code == 302 and reply.headers["Location"] == "/s/thanks"
    assert answered(csrf_app, "ann@example.org")
    with csrf_app.app_context():
        assert response_count() == 1


def test_a_personal_links_token_names_neither_link_nor_person(csrf_app):
    tokens = two_invitations_and_an_open_link(csrf_app)
    browser = csrf_app.test_client(use_cookies=False)
    token = tokens["ann@example.org"]
    csrf = csrf_token_of(browser.get(f"/s/{token}"))
    assert token not in csrf and "ann" not in csrf
    assert csrf.split(".")[0] == "survey", "a constant, a time and a signature"


def test_a_post_without_a_valid_link_token_is_refused_and_keeps_the_answers(csrf_app):
    """Missing, forged, or taken from another person's page (the same browser opened both)."""
    tokens = two_invitations_and_an_open_link(csrf_app)
    browser = csrf_app.test_client()
    anns = csrf_token_of(browser.get(f"/s/{tokens['ann@example.org']}"))
    bobs_link = f"/s/{tokens['bob@example.org']}"
    valid_for_bob = csrf_token_of(browser.get(bobs_link))
    forged = valid_for_bob[:-4] + ("AAAA" if not valid_for_bob.endswith("AAAA") else "BBBB")
    for wrong in (None, "", "survey.forged.token", forged, anns):
        data = full_answers("2", **COMMENT)
        if wrong is not None:
            data["csrf_token"] = wrong
        page = browser.post(bobs_link, data=data)
        assert page.status_code == 200, wrong
        assert "press “Send my feedback” once more" in page.text, wrong
        assert "Keep the Friday threads" in page.text
        assert not answered(csrf_app, "bob@example.org"), wrong
    with csrf_app.app_context():
        assert response_count() == 0
    good = full_answers("2", csrf_token=valid_for_bob)
    assert browser.post(bobs_link, data=good).status_code == 302


def test_a_link_token_expires_and_the_answers_stay_without_cookies(csrf_app):
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 1
    tokens = two_invitations_and_an_open_link(csrf_app)
    browser = csrf_app.test_client(use_cookies=False)
    link = f"/s/{tokens['ann@example.org']}"
    stale = csrf_token_of(browser.get(link))
    time.sleep(2.1)  # the token carries whole seconds; older than the 1 s limit
    page = browser.post(link, data=full_answers("3", csrf_token=stale, **COMMENT))
    assert page.status_code == 200
    assert "press “Send my feedback” once more" in page.text
    kept = answers_on_page(page.text)
    assert kept[comment_field("keep")] == "Keep the Friday threads"
    assert all(kept[item_field(item.id)] == "3" for item in Q.items)
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    again = full_answers("3", csrf_token=csrf_token_of(page), **COMMENT)
    assert browser.post(link, data=again).status_code == 302
    assert answered(csrf_app, "ann@example.org")


def test_an_open_link_without_cookies_says_it_needs_them_and_keeps_the_answers(csrf_app):
    tokens = two_invitations_and_an_open_link(csrf_app)
    link = f"/s/{tokens['open']}"
    browser = csrf_app.test_client(use_cookies=False)
    page = browser.post(
        link, data=full_answers("5", csrf_token=csrf_token_of(browser.get(link)), **COMMENT)
    )
    assert page.status_code == 200
    assert "This open survey needs cookies" in page.text
    assert "once more" not in page.text
    kept = answers_on_page(page.text)
    assert kept[comment_field("keep")] == "Keep the Friday threads"
    assert all(kept[item_field(item.id)] == "5" for item in Q.items)
    with csrf_app.app_context():
        assert response_count() == 0
    with_cookies = csrf_app.test_client()
    data = full_answers("5", csrf_token=csrf_token_of(with_cookies.get(link)))
    assert with_cookies.post(link, data=data).status_code == 302


def test_a_browser_without_cookies_declines_from_its_personal_link(csrf_app):
    tokens = two_invitations_and_an_open_link(csrf_app)
    browser = csrf_app.test_client(use_cookies=False)
    link = f"/s/{tokens['bob@example.org']}/decline"
    refused = browser.post(link, data={"csrf_token": "survey.forged.token"})
    assert "No more emails about this round?" in refused.text
    done = browser.post(link, data={"csrf_token": csrf_token_of(browser.get(link))})
    assert "You will get no more emails" in done.text
    with csrf_app.app_context():
        assert db.session.scalar(
            select(Invitation.declined).where(Invitation.email == "bob@example.org")
        )
