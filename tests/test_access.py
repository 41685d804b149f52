"""Who may reach which page: an authorisation matrix over every route. SQLite and PostgreSQL.

Every route in `app.url_map` must be classified in ROUTE_ACCESS; a new route fails
`test_every_route_is_classified` until its author decides who may use it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.forms import Form
from feedback360.models import CoachShare
from feedback360.models import Invitation
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.survey.forms import item_field
from feedback360.survey.forms import survey_form_class
from feedback360.tokens import password_reset_token
from feedback360.tokens import signup_token
from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import approve_as_coach
from tests.helpers import drop_app
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import make_app
from tests.helpers import submit_via_token

PUBLIC = "public"  # anyone, no account
ACCOUNT = "account"  # any logged-in user; not about one round
LEADER = "leader"  # the round's leader only
SHARED = "shared"  # the round's leader and the coaches it is shared with
COACH = "coach"  # the coaches it is shared with, not even its leader
REVIEWER = "reviewer"  # the one coach asked to approve its rater list, nobody else

ROUTE_ACCESS = {
    "auth.register": PUBLIC,
    "auth.finish_registration": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ACCOUNT,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "rounds.dashboard": PUBLIC,
    "rounds.new_round": ACCOUNT,
    "rounds.edit_round": LEADER,
    "rounds.detail": LEADER,
    "rounds.self_assessment": LEADER,
    "rounds.invite": LEADER,
    "rounds.new_link": LEADER,
    "rounds.open_link": LEADER,
    "rounds.open_link_settings": LEADER,
    "rounds.open_link_qr": LEADER,
    "rounds.replace_open_link": LEADER,
    "rounds.open_round": LEADER,
    "rounds.close_round": LEADER,
    "rounds.remind": LEADER,
    "rounds.share": LEADER,
    "rounds.unshare": LEADER,
    "rounds.ask_review": LEADER,
    "rounds.withdraw_review": LEADER,
    "coaching.list_page": REVIEWER,
    "coaching.approve": REVIEWER,
    "coaching.add": REVIEWER,
    "coaching.remove": REVIEWER,
    "survey.answer": PUBLIC,
    "survey.thanks": PUBLIC,
    "survey.decline": PUBLIC,
    "reports.results": SHARED,
    "reports.pdf": SHARED,
    "reports.debrief_note": COACH,
    "reports.export_csv": LEADER,
    "reports.export_json": LEADER,
    "rounds.delete_round": LEADER,
    "rounds.forecast": LEADER,
    "rounds.plan": LEADER,
    "rounds.word_back": LEADER,
    "rounds.follow_up": LEADER,
    "account.index": ACCOUNT,
    "account.delete": ACCOUNT,
    "account.language": ACCOUNT,
}
KNOWN_ARGUMENTS = {
    "round_id",
    "invitation_id",
    "share_id",
    "token",
    "group",
    "reset_token",
    "signup_token",
}
PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
ROUND_TITLE = "Spring round"
Q = questionnaire.load()


@dataclass
class World:
    """Ids of one closed round owned by `leader`, a token of their other, open round, and working
    account links: the leader's password reset and a sign-up for a new address."""

    round_id: int
    invitation_id: int
    share_id: int
    token: str
    other_round_id: int
    other_invitation_id: int
    other_share_id: int
    reset_token: str
    signup_token: str

    def values(self) -> dict[str, object]:
        return {
            "round_id": self.round_id,
            "invitation_id": self.invitation_id,
            "share_id": self.share_id,
            "token": self.token,
            "group": "follower",  # the round has an open link for followers
            "reset_token": self.reset_token,
            "signup_token": self.signup_token,
        }


def routes(app):
    """Every rule but `static`, with logout last (it ends the session it runs in) and stopping a
    share just before it (the other routes of the share still need it)."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    last = ("rounds.unshare", "auth.logout")
    return sorted(
        rules,
        key=lambda rule: (last.index(rule.endpoint) if rule.endpoint in last else -1, rule.rule),
    )


def url_of(rule, values: dict[str, object]) -> str:
    return PLACEHOLDER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def call(client, rule, url: str):
    """GET where the route allows it, otherwise an empty POST (CSRF is off in these apps)."""
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={})


def location_path(reply) -> str:
    return urlsplit(reply.headers.get("Location", "")).path


@pytest.fixture
def world(leader, other_leader, coach, draft_round) -> World:
    """A closed round with responses and a coach share, plus rounds for the other actors."""
    tokens = invite(draft_round, "\n".join(f"staff{i}@example.org, staff" for i in range(4)))
    round_services.share_with_coach(draft_round, coach.email)
    approval.ask_coach_to_review(draft_round, draft_round.shares[0])
    approve_as_coach(draft_round, coach.email)
    round_services.open_round(draft_round)
    follower_link = round_services.ensure_open_link(draft_round, "follower")
    round_services.rotate_open_link(follower_link, current_app.config["SECRET_KEY"])
    approve_as_coach(draft_round, coach.email)  # the link made after opening waits for the coach
    for email in sorted(tokens)[:3]:
        submit_via_token(tokens[email], answer_all(Q, 4))
    round_services.close_round(draft_round)
    build_wanted_reports()  # the sender's step: the PDF routes serve what it stored
    unanswered = db.session.scalar(
        select(Invitation).where(
            Invitation.round_id == draft_round.id, Invitation.answered.is_(False)
        )
    )
    share = db.session.scalar(select(CoachShare).where(CoachShare.round_id == draft_round.id))

    # The leader's second round, open: its link serves /s/<token>.
    second = round_services.create_round(
        leader, title="Second round", platforms=[], anonymity_threshold=3
    )
    second_token = invite(second, "reader@example.org, follower")["reader@example.org"]
    round_services.open_round(second)

    # Another leader's round, shared with a second coach: that coach coaches, just not here.
    add_user("coach2@example.com", "Cody Coach")
    theirs = round_services.create_round(
        other_leader, title="Otto's round", platforms=[], anonymity_threshold=3
    )
    invite(theirs, "someone@example.org, colleague")
    round_services.share_with_coach(theirs, "coach2@example.com")
    approval.ask_coach_to_review(theirs, theirs.shares[0])  # vouches there, not here
    return World(
        round_id=draft_round.id,
        invitation_id=unanswered.id,
        share_id=share.id,
        token=second_token,
        other_round_id=theirs.id,
        other_invitation_id=theirs.invitations[0].id,
        other_share_id=theirs.shares[0].id,
        reset_token=password_reset_token(
            current_app.config["SECRET_KEY"], leader.id, leader.password_hash
        ),
        signup_token=signup_token(current_app.config["SECRET_KEY"], "newcomer@example.com"),
    )


def test_every_route_is_classified(sqlite_app):
    endpoints = {rule.endpoint for rule in routes(sqlite_app)}
    unclassified = endpoints - ROUTE_ACCESS.keys()
    assert not unclassified, f"new routes: decide who may use them in ROUTE_ACCESS: {unclassified}"
    gone = ROUTE_ACCESS.keys() - endpoints
    assert not gone, f"routes no longer exist; remove them from ROUTE_ACCESS: {gone}"
    for rule in routes(sqlite_app):
        assert set(rule.arguments) <= KNOWN_ARGUMENTS, f"{rule.rule}: fill its new argument"


def expectation_problem(actor: str, access: str, reply, url: str, world: World) -> str | None:
    """None when `reply` is what `actor` should get from a route of kind `access`."""
    status, where = reply.status_code, location_path(reply)
    round_path = f"/rounds/{world.round_id}"
    if actor == "anonymous":
        if access == PUBLIC:
            return None if status == 200 else f"expected 200, got {status}"
        if status != 302 or where != "/login":
            return f"expected a redirect to /login, got {status} {reply.headers.get('Location')}"
        next_param = parse_qs(urlsplit(reply.headers["Location"]).query).get("next")
        return None if next_param == [url] else f"next= should be {url!r}, got {next_param}"
    if access == PUBLIC:
        # Logged in: /login and /register send you to the dashboard.
        ok = status == 200 or (status == 302 and where == "/")
        return None if ok else f"expected 200 or a redirect to /, got {status} {where}"
    if access == ACCOUNT:
        ok = status == 200 or (status == 302 and where in ("/", "/login"))
        return None if ok else f"expected 200 or a redirect, got {status} {where}"
    sees_round = (actor == "owner" and access not in (COACH, REVIEWER)) or (
        actor == "shared coach" and access in (SHARED, COACH, REVIEWER)
    )
    if not sees_round:
        if status != 404:
            return f"expected 404, got {status}"
        if ROUND_TITLE in reply.text:
            return "the 404 page names the round"
        return None
    if access == SHARED:
        if status != 200:
            return f"expected 200, got {status}"
        if url.endswith(".pdf") and reply.mimetype != "application/pdf":
            return f"expected a PDF, got {reply.mimetype}"
        return None
    if access == COACH:
        ok = status == 302 and where == f"{round_path}/results"
        return None if ok else f"expected a redirect to the results, got {status} {where}"
    if access == REVIEWER:
        ok = status == 200 or (status == 302 and where == f"{round_path}/rater-list")
        return None if ok else f"expected the rater list, got {status} {where}"
    ok = status == 200 or (status == 302 and where == round_path)
    return None if ok else f"expected 200 or a redirect to {round_path}, got {status} {where}"


ACTOR_EMAILS = {
    "anonymous": None,
    "other leader": "other@example.com",
    "unshared coach": "coach2@example.com",
    "shared coach": "coach@example.com",
    "owner": "leader@example.com",
}


@pytest.mark.parametrize(
    "actor",
    [
        "anonymous",
        "other leader",
        "unshared coach",
        pytest.param("shared coach", marks=pytest.mark.pdf),
        pytest.param("owner", marks=pytest.mark.pdf),
    ],
)
def test_access_matrix(app, client, world, actor):
    email = ACTOR_EMAILS[actor]
    if email:
        assert login(client, email).status_code == 302
    problems = []
    for rule in routes(app):
        url = url_of(rule, world.values())
        reply = call(client, rule, url)
        problem = expectation_problem(actor, ROUTE_ACCESS[rule.endpoint], reply, url, world)
        if problem:
            problems.append(f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {problem}")
    assert not problems, f"{actor}:\n" + "\n".join(problems)


def form_field_names() -> set[str]:
    """Every field name of every form in the app, the survey's own included."""
    survey_form_class(Q.version, for_self=False)
    survey_form_class(Q.version, for_self=True)
    names = {item_field(item.id) for item in Q.items}
    forms = [Form]
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names.update(
            name
            for klass in form.__mro__
            for name, value in vars(klass).items()
            if isinstance(value, UnboundField)
        )
    return names


def odd_bodies() -> dict[str, dict]:
    """Request bodies no browser sends from these forms, each naming every field."""
    names = form_field_names()
    bodies = {
        f"JSON {kind}": {"json": dict.fromkeys(names, value)}
        for kind, value in [("object", {"x": 1}), ("nested list", [1, [2]]), ("number", 7)]
    }
    bodies["files"] = {
        "data": {name: (io.BytesIO(b"\x00\xff file"), "upload.bin") for name in names},
        "content_type": "multipart/form-data",
    }
    return bodies


@pytest.mark.parametrize("body", ["JSON object", "JSON nested list", "JSON number", "files"])
def test_bodies_no_form_can_send_never_fail(app, client, world, body):
    """Every POST route, as the owner: forms read posted form fields only (the app takes neither
    JSON nor uploads), so values of the wrong type are missing fields, never a 500."""
    assert login(client, "leader@example.com").status_code == 302
    failures = []
    for rule in routes(app):
        if "POST" in rule.methods:
            reply = client.post(url_of(rule, world.values()), **odd_bodies()[body])
            if reply.status_code >= 500:
                failures.append(f"{rule.rule}: {reply.status_code}")
    assert not failures


def test_shared_coach_sees_counts_not_scores_while_open(client, leader, coach, open_round):
    round_services.share_with_coach(open_round, coach.email)
    for email in list(open_round.tokens)[:4]:
        submit_via_token(open_round.tokens[email], answer_all(Q, 5))
    login(client, coach.email)
    page = client.get(f"/rounds/{open_round.id}/results")
    assert page.status_code == 200
    assert "Results appear when the round closes" in page.text
    assert "<svg" not in page.text and "Gap" not in page.text
    assert client.get(f"/rounds/{open_round.id}/report.pdf").status_code == 409
    dashboard = client.get("/")
    assert "Shared with me as coach" in dashboard.text
    assert open_round.title in dashboard.text.split("Shared with me as coach", 1)[1]


def test_unshared_round_is_not_on_the_coach_dashboard(client, leader, coach, draft_round):
    login(client, coach.email)
    assert draft_round.title not in client.get("/").text


def test_stopping_the_share_hides_the_round_again(client, world):
    login(client, "coach@example.com")
    assert client.get(f"/rounds/{world.round_id}/results").status_code == 200
    client.post("/logout")
    login(client, "leader@example.com")
    client.post(f"/rounds/{world.round_id}/shares/{world.share_id}/remove")
    client.post("/logout")
    login(client, "coach@example.com")
    assert client.get(f"/rounds/{world.round_id}/results").status_code == 404
    assert client.get(f"/rounds/{world.round_id}/report.pdf").status_code == 404
    assert ROUND_TITLE not in client.get("/").text


def round_rules(app):
    return [rule for rule in routes(app) if "round_id" in rule.arguments]


def test_guessed_round_ids_do_not_exist(app, client, world):
    """The owner asking for a round id that does not exist, or is not theirs, gets 404."""
    login(client, "leader@example.com")
    for round_id in (world.round_id + 1000, 0, world.other_round_id):
        for rule in round_rules(app):
            url = url_of(rule, {**world.values(), "round_id": round_id})
            assert call(client, rule, url).status_code == 404, url


def test_ids_of_another_round_do_not_work_under_your_own(app, client, world):
    """/rounds/<mine>/invitations/<theirs>/link and .../shares/<theirs>/remove are 404."""
    login(client, "leader@example.com")
    base = f"/rounds/{world.round_id}"
    assert client.post(f"{base}/invitations/{world.other_invitation_id}/link").status_code == 404
    assert client.post(f"{base}/shares/{world.other_share_id}/remove").status_code == 404
    assert client.post(f"{base}/invitations/{world.invitation_id + 1000}/link").status_code == 404
    assert client.post(f"{base}/shares/{world.share_id + 1000}/remove").status_code == 404
    with app.app_context():
        assert db.session.get(CoachShare, world.other_share_id) is not None


def test_out_of_range_ids_are_404_not_500(app, client, world):
    """Ids beyond the database's integer range once raised (OverflowError, integer out of range)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the status a visitor would get
    login(client, "leader@example.com")
    for huge in (2**31, 2**63, 10**30):
        assert client.get(f"/rounds/{huge}").status_code == 404
        assert client.get(f"/rounds/{huge}/results").status_code == 404
        assert client.get(f"/rounds/{huge}/report.pdf").status_code == 404
        link = f"/rounds/{world.round_id}/invitations/{huge}/link"
        assert client.post(link).status_code == 404
        share = f"/rounds/{world.round_id}/shares/{huge}/remove"
        assert client.post(share).status_code == 404
    assert client.get(f"/rounds/-{world.round_id}").status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "-1", "0", "abc", "1e3"])
def test_an_absurd_page_number_shows_the_first_page(client, world, page):
    """A page number once went into the query's OFFSET as it was, and overflowed it."""
    login(client, "leader@example.com")
    reply = client.get(f"/rounds/{world.round_id}?page={page}")
    assert reply.status_code == 200
    assert "staff0@example.org" in reply.text


@pytest.mark.parametrize("host", ["a..b", ".", "x" * 64 + ".example"])
def test_a_host_header_that_is_no_host_name_gets_a_plain_400(database_url, tmp_path, host):
    """As deployed, with no SERVER_NAME: no URL can be built for such a host, not even the
    error page's links, which once made the error page itself fail."""
    app = make_app(database_url, tmp_path, SERVER_NAME=None, PROPAGATE_EXCEPTIONS=False)
    try:
        reply = app.test_client().get("/login", headers={"Host": host})
        assert reply.status_code == 400
        assert "not a valid host name" in reply.text
    finally:
        drop_app(app)


@pytest.mark.parametrize("referrer", [None, "https://[::1", "https://[zz]/", "https://host:99999/"])
def test_https_forms_work_without_a_readable_referer(csrf_app, referrer):
    """Every page sends `Referrer-Policy: no-referrer`, so browsers post forms with no Referer.
    Flask-WTF's strict HTTPS check refused those (every form, the survey included, behind
    HTTPS) and raised on a Referer it could not parse; the CSRF token and SameSite=Lax remain."""
    with csrf_app.app_context():
        add_user("leader@example.com")
    client = csrf_app.test_client()
    page = client.get("/login", base_url="https://feedback360.test")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    reply = client.post(
        "/login",
        base_url="https://feedback360.test",
        data={**credentials(), "csrf_token": token},
        headers={"Referer": referrer} if referrer else {},
    )
    assert reply.status_code == 302 and location_path(reply) == "/"
    forged = client.post("/logout", base_url="https://feedback360.test")
    assert forged.status_code == 400, "without its token a post is still refused"


EVIL_TARGETS = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\\\evil.example",
    "https:evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\r\nSet-Cookie: x=1",  # a header split, once a 500 from Werkzeug's redirect
    "/rounds\x00new",
    "/rounds\x7f",
]


@pytest.fixture
def login_app(sqlite_app):
    """Open redirects do not depend on the database: SQLite only."""
    with sqlite_app.app_context():
        add_user("leader@example.com")
    # Many logins to one account from new browsers: the per-account limit would stop them.
    sqlite_app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "1000 per minute"
    return sqlite_app


def test_login_never_redirects_to_another_site(login_app):
    for number, target in enumerate(EVIL_TARGETS):
        client = login_app.test_client()  # each from its own address, under the login limit
        reply = client.post(
            f"/login?next={quote(target, safe='')}",
            data=credentials(),
            environ_base={"REMOTE_ADDR": f"10.1.0.{number + 1}"},
        )
        assert reply.status_code == 302, target
        assert reply.headers["Location"] == "/", target


def test_login_follows_next_to_an_own_path(login_app):
    client = login_app.test_client()
    reply = client.post(f"/login?next={quote('/rounds/new')}", data=credentials())
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/rounds/new"
    assert client.get(reply.headers["Location"]).status_code == 200


def test_login_required_sends_you_back_after_login(login_app):
    client = login_app.test_client()
    bounce = client.get("/rounds/new")
    assert location_path(bounce) == "/login"
    reply = client.post(bounce.headers["Location"], data=credentials())
    assert reply.headers["Location"] == "/rounds/new"


def credentials() -> dict[str, str]:
    return {"email": "leader@example.com", "password": PASSWORD}
