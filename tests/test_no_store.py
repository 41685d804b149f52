"""No page or file of the app may be kept by a browser or a proxy (`Cache-Control: private,
no-store`): results, the PDF, exports, coach views, every signed-in page, and survey pages, which
show a respondent's answers again when something was missing. Every route is requested for real.
"""

from __future__ import annotations

import pytest
from flask import url_for

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from feedback360.tokens import password_reset_token
from feedback360.tokens import signup_token
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

NO_STORE = "private, no-store"
Q = questionnaire.load()
# Pages that show results or answers: each must really be served (200), not just refused.
MUST_SERVE = {"reports.results", "reports.pdf", "reports.export_csv", "reports.export_json"}


@pytest.fixture
def world(app, leader, coach):
    """A closed round with results shared with a coach, and an open round with links."""
    closed = round_services.create_round(
        leader, title="Autumn", platforms=[], closes_on=None, anonymity_threshold=3
    )
    tokens = invite(closed, "\n".join(f"staff{i}@example.org, staff" for i in range(3)))
    round_services.share_with_coach(closed, coach.email)
    round_services.open_round(closed)
    for token in tokens.values():
        submit_via_token(token, {item.id: 4 for item in Q.items}, {"keep": "the weekly thread"})
    round_services.close_round(closed)
    build_wanted_reports()  # the sender's step: the PDF route serves what it stored
    open_ = round_services.create_round(
        leader, title="Spring", platforms=[], closes_on=None, anonymity_threshold=3
    )
    survey_token = invite(open_, "ann@example.org, colleague")["ann@example.org"]
    round_services.open_round(open_)
    secret = app.config["SECRET_KEY"]
    round_services.rotate_open_link(round_services.ensure_open_link(open_, "follower"), secret)
    db.session.commit()
    return {
        "closed": closed.id,
        "open": open_.id,
        "token": survey_token,
        "signup_token": signup_token(secret, "new@example.org"),
        "reset_token": password_reset_token(secret, leader.id, leader.password_hash),
        "group": "follower",
    }


def get_routes(app) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    ]


def url_of(app, rule, world) -> str:
    values = {"round_id": world["open" if rule.endpoint.endswith("_qr") else "closed"]}
    values.update({name: world[name] for name in rule.arguments if name != "round_id"})
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


@pytest.mark.parametrize("who", ["leader", "coach", "nobody"])
def test_every_page_and_file_says_no_store(app, world, who):
    client = app.test_client()
    if who != "nobody":
        assert login(client, f"{who}@example.com").status_code == 302
    served = set()
    for rule in get_routes(app):
        reply = client.get(url_of(app, rule, world))
        assert reply.headers.get("Cache-Control") == NO_STORE, (rule.endpoint, reply.status)
        if reply.status_code == 200:
            served.add(rule.endpoint)
    if who == "leader":
        assert MUST_SERVE | {"rounds.detail", "rounds.open_link_qr", "account.index"} <= served
    if who == "coach":
        assert {"reports.results", "reports.pdf"} <= served
    if who == "nobody":
        assert {"survey.answer", "survey.decline", "auth.login"} <= served


def test_a_survey_shown_again_with_the_answers_given_says_no_store(client, world):
    answers = {item_field(item.id): "5" for item in Q.items[:3]}
    data = {**answers, comment_field("keep"): "my words"}
    reply = client.post(f"/s/{world['token']}", data=data)
    assert reply.status_code in (200, 400, 422), reply.status
    assert "my words" in reply.text, "the answers come back"
    assert reply.headers["Cache-Control"] == NO_STORE


def test_the_stylesheet_may_still_be_cached(client):
    with client.get("/static/app.css") as reply:
        assert reply.status_code == 200
        assert "no-store" not in reply.headers.get("Cache-Control", "")


def test_a_failed_login_and_errors_say_no_store(client, world):
    for reply in (
        client.post("/login", data={"email": "leader@example.com", "password": "wrong"}),
        client.get("/no-such-page"),
        client.get("/rounds/999999/results"),
    ):
        assert reply.headers["Cache-Control"] == NO_STORE
