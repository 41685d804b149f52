"""Open links for social media: one answer per browser, cap, pause, bursts, QR code, link
previews and rate limits. Everything touching the database runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import segno
from itsdangerous import URLSafeSerializer
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import PROJECT_ROOT
from feedback360 import anonymity
from feedback360 import questionnaire
from feedback360.bursts import Burst
from feedback360.bursts import detect_bursts
from feedback360.extensions import db
from feedback360.models import OpenLink
from feedback360.models import OpenLinkHour
from feedback360.models import Round
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from feedback360.survey import services as survey_services
from feedback360.survey import views as survey_views
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from feedback360.survey_time import stated_minutes
from tests.helpers import PASSWORD
from tests.helpers import SECRET_KEY
from tests.helpers import add_user
from tests.helpers import answers_on_page
from tests.helpers import drop_app
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import make_app
from tests.helpers import response_count
from tests.helpers import submit_at_once

Q = questionnaire.load()
REDIS_URL = "redis://127.0.0.1:6379"
SERVER = "feedback360.test"
H = datetime(2026, 5, 12, 14)  # an hour in which answers arrive


def make_open_link(a_round, group: str = "follower", **settings) -> tuple[OpenLink, str]:
    link = round_services.ensure_open_link(a_round, group)
    token = round_services.rotate_open_link(link, SECRET_KEY)
    for name, value in settings.items():
        setattr(link, name, value)
    db.session.commit()
    return link, token


def meta_tags(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    return {
        m[1]: m[2]
        for m in re.finditer(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', head)
    }


def answered_cookie(client):
    return client.get_cookie(survey_views.ANSWERED_COOKIE, domain=SERVER, path="/s/")


# --- One answer per browser: a signed cookie --------------------------------------------------


def test_second_answer_from_the_same_browser_is_refused_a_new_browser_answers(app, open_round):
    link, token = make_open_link(open_round)
    browser = app.test_client()
    reply = browser.post(f"/s/{token}", data=full_answers())
    assert reply.status_code == 302
    set_cookie = reply.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{survey_views.ANSWERED_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Lax", "Path=/s/", "Max-Age=15552000"):
        assert attribute in set_cookie, attribute
    assert "Secure" not in set_cookie  # plain http here; see the https test

    again = browser.post(f"/s/{token}", data=full_answers("2"))
    assert again.status_code == 409 and "You have already answered from this browser" in again.text
    assert anonymity.ANSWERED_HERE in again.text and "private window" in again.text
    assert browser.get(f"/s/{token}").status_code == 409
    assert app.test_client().post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 2
    assert db.session.get(OpenLink, link.id).responses == 2


def test_the_cookie_holds_signed_open_link_ids_and_nothing_else(app, open_round):
    link, token = make_open_link(open_round)
    browser = app.test_client()
    browser.post(f"/s/{token}", data=full_answers(**{comment_field("keep"): "Secret text"}))
    value = answered_cookie(browser).value
    serializer = URLSafeSerializer(SECRET_KEY, salt=survey_views.ANSWERED_SALT)
    assert serializer.loads(value) == [link.id]
    with browser.session_transaction() as session:
        assert "answered_open_links" not in session  # the old session speed bump is gone


def test_a_forged_or_garbled_cookie_is_ignored_not_a_500(app, open_round):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see what a visitor would see
    link, token = make_open_link(open_round)
    wrong_key = URLSafeSerializer("not-our-key", salt=survey_views.ANSWERED_SALT).dumps([link.id])
    our_key_wrong_shape = URLSafeSerializer(SECRET_KEY, salt=survey_views.ANSWERED_SALT).dumps(
        {"ids": [link.id]}
    )
    for value in (wrong_key, str(link.id), "garbage.!!", "", our_key_wrong_shape):
        browser = app.test_client()
        browser.set_cookie(survey_views.ANSWERED_COOKIE, value, domain=SERVER, path="/s/")
        assert browser.get(f"/s/{token}").status_code == 200, value
    browser = app.test_client()
    browser.set_cookie(survey_views.ANSWERED_COOKIE, wrong_key, domain=SERVER, path="/s/")
    assert browser.post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 1


def test_the_cookie_is_secure_over_https(app, open_round):
    _, token = make_open_link(open_round)
    browser = app.test_client()
    reply = browser.post(f"https://{SERVER}/s/{token}", data=full_answers())
    assert reply.status_code == 302
    assert "Secure" in reply.headers["Set-Cookie"]


def test_answering_one_open_link_does_not_block_another(app, open_round):
    _, follower = make_open_link(open_round, "follower")
    _, colleague = make_open_link(open_round, "colleague")
    browser = app.test_client()
    assert browser.post(f"/s/{follower}", data=full_answers()).status_code == 302
    assert browser.post(f"/s/{colleague}", data=full_answers()).status_code == 302
    assert browser.get(f"/s/{follower}").status_code == 409
    assert browser.get(f"/s/{colleague}").status_code == 409
    assert response_count() == 2


def test_the_survey_page_of_an_open_link_calls_the_cookie_a_speed_bump(client, open_round):
    _, token = make_open_link(open_round)
    assert anonymity.OPEN_LINK_NOTE in client.get(f"/s/{token}").text
    invitation = client.get(f"/s/{open_round.tokens['staff0@example.org']}")
    assert "cookie" not in invitation.text


# --- Pause and cap ----------------------------------------------------------------------------


def settings(client, a_round, group: str = "follower", **fields):
    data = {f"{group}-{name}": value for name, value in fields.items()}
    return client.post(f"/rounds/{a_round.id}/open-links/{group}", data=data, follow_redirects=True)


def test_leader_pauses_and_resumes_an_open_link(app, client, open_round):
    link, token = make_open_link(open_round)
    login(client, "leader@example.com")
    page = settings(client, open_round, paused="y")
    assert "is paused" in page.text
    assert db.session.get(OpenLink, link.id).paused is True
    browser = app.test_client()
    paused = browser.get(f"/s/{token}")
    assert paused.status_code == 409 and "This link is paused" in paused.text
    assert browser.post(f"/s/{token}", data=full_answers()).status_code == 409
    assert response_count() == 0

    page = settings(client, open_round)  # checkbox unticked: resume
    assert "takes answers" in page.text
    db.session.expire_all()
    assert db.session.get(OpenLink, link.id).paused is False
    assert browser.post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 1


def test_pausing_while_someone_fills_in_the_form_refuses_their_submit(app, open_round):
    link, token = make_open_link(open_round)
    resolved = survey_services.resolve(token)
    round_services.set_open_link_settings(link, None, True)
    with pytest.raises(survey_services.LinkPaused):
        survey_services.submit(resolved, {Q.items[0].id: 4}, {})
    assert response_count() == 0
    assert db.session.get(OpenLink, link.id).responses == 0
    assert db.session.scalar(select(func.count()).select_from(OpenLinkHour)) == 0


def test_a_capped_link_stops_when_full(app, client, open_round):
    link, token = make_open_link(open_round)
    login(client, "leader@example.com")
    page = settings(client, open_round, max_responses="2")
    assert "until it has 2" in page.text
    for _ in range(2):
        assert app.test_client().post(f"/s/{token}", data=full_answers()).status_code == 302
    late = app.test_client()
    full = late.get(f"/s/{token}")
    assert full.status_code == 410
    assert "This survey has received all the answers it needs" in full.text
    assert late.post(f"/s/{token}", data=full_answers()).status_code == 410
    assert response_count() == 2

    settings(client, open_round, max_responses="3")  # the leader raises the cap
    assert late.post(f"/s/{token}", data=full_answers()).status_code == 302
    assert response_count() == 3
    assert "Followers" in client.get(f"/rounds/{open_round.id}").text


@pytest.mark.parametrize("bad", ["0", "-3", "100001", "many"])
def test_cap_must_be_a_sensible_number(client, open_round, bad):
    link, _ = make_open_link(open_round, max_responses=50)
    login(client, "leader@example.com")
    page = settings(client, open_round, max_responses=bad)
    assert "Use a number from 1 to 100,000" in page.text or "Not a valid integer" in page.text
    db.session.expire_all()
    assert db.session.get(OpenLink, link.id).max_responses == 50


def test_an_empty_cap_means_no_limit(client, open_round):
    link, _ = make_open_link(open_round, max_responses=5)
    login(client, "leader@example.com")
    assert "with no limit" in settings(client, open_round, max_responses="").text
    db.session.expire_all()
    assert db.session.get(OpenLink, link.id).max_responses is None


def test_settings_of_a_missing_link_or_another_leaders_round_are_404(client, open_round):
    make_open_link(open_round, "follower")
    login(client, "leader@example.com")
    assert client.post(f"/rounds/{open_round.id}/open-links/staff").status_code == 404
    assert client.post(f"/rounds/{open_round.id}/open-links/boss").status_code == 404
    client.post("/logout")
    add_user("other@example.com")
    login(client, "other@example.com")
    reply = client.post(
        f"/rounds/{open_round.id}/open-links/follower", data={"follower-paused": "y"}
    )
    assert reply.status_code == 404
    assert db.session.scalar(select(OpenLink.paused)) is False


def test_parallel_submits_cannot_exceed_the_cap(app, open_round, monkeypatch):
    """Cap 3, six people pressing "Send" at once: the database lets exactly three through."""
    monkeypatch.setattr(survey_services, "current_hour", lambda: H)
    link, token = make_open_link(open_round, max_responses=3)
    ratings = {item.id: 4 for item in Q.items}
    outcomes = submit_at_once(app, token, 6, ratings, {"keep": "same"})
    assert outcomes == ["LinkFull"] * 3 + ["saved"] * 3
    db.session.expire_all()
    assert response_count() == 3
    assert db.session.get(OpenLink, link.id).responses == 3
    assert db.session.scalar(select(func.sum(OpenLinkHour.answers))) == 3


def test_parallel_submits_without_a_cap_all_count_into_one_hour(app, open_round, monkeypatch):
    """The hour's row is created once and incremented, never lost to a race."""
    monkeypatch.setattr(survey_services, "current_hour", lambda: H)
    make_open_link(open_round)
    token = round_services.rotate_open_link(open_round.open_links[0], SECRET_KEY)
    assert submit_at_once(app, token, 6, {Q.items[0].id: 4}) == ["saved"] * 6
    assert db.session.execute(select(OpenLinkHour.answers)).scalars().all() == [6]


# --- Hourly counts and bursts -----------------------------------------------------------------


def test_open_link_answers_are_counted_per_hour_and_invitations_are_not(open_round, monkeypatch):
    link, token = make_open_link(open_round)
    morning, noon = datetime(2026, 5, 12, 9), datetime(2026, 5, 12, 12)
    monkeypatch.setattr(survey_services, "current_hour", lambda: morning)
    for _ in range(2):
        survey_services.submit(survey_services.resolve(token), {Q.items[0].id: 3}, {})
    monkeypatch.setattr(survey_services, "current_hour", lambda: noon)
    survey_services.submit(survey_services.resolve(token), {Q.items[0].id: 3}, {})
    invitation = survey_services.resolve(open_round.tokens["staff0@example.org"])
    survey_services.submit(invitation, {Q.items[0].id: 3}, {})
    rows = db.session.execute(
        select(OpenLinkHour.open_link_id, OpenLinkHour.hour, OpenLinkHour.answers).order_by(
            OpenLinkHour.hour
        )
    ).all()
    assert [tuple(r) for r in rows] == [(link.id, morning, 2), (link.id, noon, 1)]
    assert db.session.get(OpenLink, link.id).responses == 3
    assert response_count() == 4


def test_the_hour_is_the_start_of_the_current_utc_hour():
    hour = survey_services.current_hour()
    assert hour.tzinfo is None
    assert (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)


@pytest.mark.parametrize(
    ("hours", "total", "flagged"),
    [
        ([(H, 14), (H.replace(hour=9), 6)], 20, [Burst(H, 14, 20)]),
        ([(H, 10)], 20, [Burst(H, 10, 20)]),  # exactly ten and exactly half
        ([(H, 9)], 9, []),  # all of them, but fewer than ten
        ([(H, 10)], 21, []),  # ten, but less than half
        (
            [(H, 10), (H.replace(hour=15), 10)],
            20,
            [Burst(H, 10, 20), Burst(H.replace(hour=15), 10, 20)],
        ),
        ([], 0, []),
        ([(H, 0)], 0, []),
    ],
)
def test_detect_bursts(hours, total, flagged):
    assert detect_bursts(hours, total) == flagged


def test_bursts_come_oldest_first():
    later, earlier = H.replace(hour=20), H.replace(hour=3)
    assert [b.hour for b in detect_bursts([(later, 30), (earlier, 30)], 60)] == [earlier, later]


def test_burst_caution_reads_plainly():
    text = Burst(H, 14, 20).caution("followers")
    assert text == (
        "On 12 May, 14 of the 20 answers through the open link for followers arrived within "
        "one hour: check they are genuine."
    )


def test_a_burst_is_flagged_on_the_leaders_round_page(client, open_round):
    link, _ = make_open_link(open_round, responses=20)
    db.session.add_all(
        [
            OpenLinkHour(open_link_id=link.id, hour=H, answers=14),
            OpenLinkHour(open_link_id=link.id, hour=H.replace(hour=9), answers=6),
        ]
    )
    db.session.commit()
    assert round_services.open_link_cautions(open_round) == [Burst(H, 14, 20).caution("followers")]
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}").text
    caution = "On 12 May, 14 of the 20 answers through the open link for followers arrived"
    assert caution in page
    round_services.close_round(open_round)
    assert caution in client.get(f"/rounds/{open_round.id}/results").text
    data = report_data(db.session.get(Round, open_round.id))
    assert data.cautions == (Burst(H, 14, 20).caution("followers"),)


def test_no_caution_without_a_burst(client, open_round):
    link, _ = make_open_link(open_round, responses=30)
    db.session.add(OpenLinkHour(open_link_id=link.id, hour=H, answers=12))
    db.session.commit()
    assert round_services.open_link_cautions(open_round) == []
    login(client, "leader@example.com")
    assert "check they are genuine" not in client.get(f"/rounds/{open_round.id}").text


# --- Rotation ---------------------------------------------------------------------------------


def test_rotating_keeps_the_count_and_cap_and_the_browser_memory(app, client, open_round):
    link, old = make_open_link(open_round, max_responses=10)
    browser = app.test_client()
    assert browser.post(f"/s/{old}", data=full_answers()).status_code == 302
    login(client, "leader@example.com")
    reply = client.post(
        f"/rounds/{open_round.id}/open-links/follower/replace", follow_redirects=True
    )
    assert "the old one no longer works" in reply.text
    new = re.search(r'value="https?://[^"]*/s/([A-Za-z0-9_\-]+)"', reply.text)[1]
    assert new != old
    assert app.test_client().get(f"/s/{old}").status_code == 404
    assert browser.get(f"/s/{new}").status_code == 409  # same link, already answered here
    assert app.test_client().post(f"/s/{new}", data=full_answers()).status_code == 302
    db.session.expire_all()
    saved = db.session.get(OpenLink, link.id)
    assert (saved.responses, saved.max_responses) == (2, 10)


# --- QR code ----------------------------------------------------------------------------------


def test_leader_gets_the_qr_code_of_the_open_link_as_svg(app, client, open_round):
    _, token = make_open_link(open_round)
    login(client, "leader@example.com")
    reply = client.get(f"/rounds/{open_round.id}/open-links/follower/qr.svg")
    assert reply.status_code == 200
    assert reply.mimetype == "image/svg+xml"
    assert reply.text.startswith("<svg")
    assert ET.fromstring(reply.data).tag == "{http://www.w3.org/2000/svg}svg"
    assert "no-store" in reply.headers["Cache-Control"]
    expected = io.BytesIO()
    segno.make(f"http://{SERVER}/s/{token}", error="m", micro=False).save(
        expected, kind="svg", scale=5, border=4, xmldecl=False, title="Survey link"
    )
    assert reply.data == expected.getvalue(), "the QR code encodes the current open link"
    download = client.get(f"/rounds/{open_round.id}/open-links/follower/qr.svg?download=1")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Content-Disposition"].endswith('-follower-open-link.svg"')

    page = client.get(f"/rounds/{open_round.id}").text
    assert f'<img src="/rounds/{open_round.id}/open-links/follower/qr.svg"' in page
    assert f'href="/rounds/{open_round.id}/open-links/follower/qr.svg?download=1"' in page


def test_qr_code_is_404_for_others_and_for_missing_links(client, open_round):
    make_open_link(open_round)
    login(client, "leader@example.com")
    base = f"/rounds/{open_round.id}/open-links"
    assert client.get(f"{base}/staff/qr.svg").status_code == 404  # no staff link
    assert client.get(f"{base}/boss/qr.svg").status_code == 404
    client.post("/logout")
    assert client.get(f"{base}/follower/qr.svg").status_code == 302  # to the login page
    add_user("other@example.com")
    login(client, "other@example.com")
    reply = client.get(f"{base}/follower/qr.svg")
    assert reply.status_code == 404
    assert "<svg" not in reply.text


# --- Link previews and search engines ---------------------------------------------------------


def test_open_link_page_has_a_neutral_link_preview(client, open_round):
    _, token = make_open_link(open_round)
    for _ in range(2):  # answers must not change the preview
        submit_via_open_link(token)
    page = client.get(f"/s/{token}")
    tags = meta_tags(page.text)
    del tags["viewport"]
    title = "Share your view: how does Lee Leader show up online?"
    minutes = stated_minutes(Q, "follower", open_link=True)
    description = f"Anonymous, about {minutes} minutes, no account needed."
    assert tags == {
        "robots": "noindex",
        "og:type": "website",
        "og:title": title,
        "og:description": description,
        "og:site_name": "feedback360",
        "twitter:card": "summary",
        "twitter:title": title,
        "twitter:description": description,
        "description": description,
    }, "the leader's name and fixed text only: no counts, dates or respondent data"


def submit_via_open_link(token: str) -> None:
    survey_services.submit(survey_services.resolve(token), {Q.items[0].id: 4}, {})


def test_invitation_page_has_noindex_and_no_link_preview(client, open_round):
    page = client.get(f"/s/{open_round.tokens['staff0@example.org']}")
    tags = meta_tags(page.text)
    assert tags.get("robots") == "noindex"
    assert not [k for k in tags if k.startswith(("og:", "twitter:"))]
    assert page.headers["X-Robots-Tag"] == "noindex"


def test_every_survey_page_asks_not_to_be_indexed(client, open_round):
    pages = [
        client.get("/s/thanks"),
        client.get("/s/no-such-token-at-all"),
        client.get(f"/s/{open_round.tokens['staff0@example.org']}/decline"),
    ]
    for page in pages:
        assert meta_tags(page.text).get("robots") == "noindex", page.request.path
        assert page.headers["X-Robots-Tag"] == "noindex"


# --- Rate limits ------------------------------------------------------------------------------


def open_link_in(app) -> str:
    """An open round with a follower open link, in an app outside the shared fixtures."""
    with app.app_context():
        leader = add_user("leader@example.com", "Lee Leader")
        a_round = round_services.create_round(
            leader, title="Limited", anonymity_threshold=3, closes_on=None, platforms=[]
        )
        invite(a_round, "r@example.org, staff")
        round_services.open_round(a_round)
        return make_open_link(a_round)[1]


def client_from(app, address: str):
    """A browser at another network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def limited_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SURVEY_RATE_LIMIT="3 per minute")
    yield app
    drop_app(app)


def test_fourth_answer_a_minute_from_one_address_gets_a_clear_429(limited_app):
    token = open_link_in(limited_app)
    for _ in range(3):  # three people on the same wifi
        reply = limited_app.test_client().post(f"/s/{token}", data=full_answers())
        assert reply.status_code == 302
        assert "X-RateLimit-Limit" not in reply.headers, "two more storage round trips each"
    fourth = limited_app.test_client()
    assert fourth.get(f"/s/{token}").status_code == 200, "reading the survey is not limited"
    kept = "Keep posting the weekly AMA"
    page = fourth.post(f"/s/{token}", data=full_answers("3", **{comment_field("keep"): kept}))
    assert page.status_code == 429
    assert "Too many answers from this connection; wait a minute" in page.text
    assert "Nothing was saved yet" in page.text
    again = answers_on_page(page.text)
    assert again[comment_field("keep")] == kept, "what they typed is still there"
    assert all(again[item_field(item.id)] == "3" for item in Q.items)
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    elsewhere = client_from(limited_app, "203.0.113.9")
    assert elsewhere.post(f"/s/{token}", data=full_answers()).status_code == 302
    with limited_app.app_context():
        assert response_count() == 4


def test_a_rate_limit_breach_is_logged_without_the_address(limited_app, caplog):
    token = open_link_in(limited_app)
    browser = client_from(limited_app, "198.51.100.77")
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        for _ in range(4):
            browser.post(f"/s/{token}", data=full_answers())
    breach = [r.getMessage() for r in caplog.records if r.name == "flask-limiter"]
    assert breach and "exceeded" in breach[0], "the test must see the breach logged"
    assert "198.51.100.77" not in caplog.text


def test_429_for_an_unusable_link_is_a_plain_page(limited_app):
    limited_app.config["PROPAGATE_EXCEPTIONS"] = False
    browser = limited_app.test_client()
    for _ in range(3):
        assert browser.post("/s/not-a-real-token", data={}).status_code == 404
    page = browser.post("/s/not-a-real-token", data={})
    assert page.status_code == 429
    assert "Too many answers have come from this connection, so nothing was saved" in page.text


def test_the_default_limit_is_generous_and_configured(app):
    assert app.config["SURVEY_RATE_LIMIT"] == "20 per minute;200 per hour"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["RATELIMIT_HEADERS_ENABLED"] is False  # a 429 still sends Retry-After


def redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")


ANOTHER_WORKER = """
import json, sys
from feedback360 import create_app
config, token, address, answers = json.loads(sys.argv[1])
app = create_app(config)
for _ in range(3):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    print(client.post(f"/s/{token}", data=answers).status_code)
"""


def answers_from_another_worker(tmp_path, database_url, storage, token, address) -> list[int]:
    """Three answers through a second app in its own process, as from a second gunicorn worker."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "worker"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": SERVER,
        "SURVEY_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": storage,
    }
    argument = json.dumps([config, token, address, full_answers()])
    done = subprocess.run(
        [sys.executable, "-c", ANOTHER_WORKER, argument],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [int(line) for line in done.stdout.split()]


def test_workers_share_the_count_through_redis(tmp_path):
    """RATELIMIT_STORAGE_URI=redis://...: a second process's answers count against the first's."""
    redis_or_skip()
    database_url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    app = make_app(
        database_url, tmp_path, SURVEY_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=REDIS_URL
    )
    try:
        token = open_link_in(app)
        address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # fresh Redis key
        statuses = answers_from_another_worker(tmp_path, database_url, REDIS_URL, token, address)
        assert statuses == [302, 302, 302]
        here = client_from(app, address)
        page = here.post(f"/s/{token}", data=full_answers())
        assert page.status_code == 429
        assert "Too many answers from this connection" in page.text
        with app.app_context():
            assert response_count() == 3
    finally:
        drop_app(app)


def test_without_redis_each_worker_counts_alone(tmp_path):
    """The default memory storage is per process: why several workers need Redis."""
    database_url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    app = make_app(database_url, tmp_path, SURVEY_RATE_LIMIT="3 per minute")
    try:
        token = open_link_in(app)
        address = "198.51.100.7"
        statuses = answers_from_another_worker(tmp_path, database_url, "memory://", token, address)
        assert statuses == [302, 302, 302]
        here = client_from(app, address)
        assert here.post(f"/s/{token}", data=full_answers()).status_code == 302
    finally:
        drop_app(app)


def test_answers_are_saved_when_the_limit_storage_is_down(tmp_path, caplog):
    """An unreachable Redis is logged; the respondent's answers are not lost."""
    app = make_app(
        f"sqlite:///{tmp_path / 'down.sqlite'}",
        tmp_path,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1",
    )
    try:
        token = open_link_in(app)
        assert app.test_client().post(f"/s/{token}", data=full_answers()).status_code == 302
        assert "Failed to rate limit" in caplog.text
        with app.app_context():
            assert response_count() == 1
    finally:
        drop_app(app)


def test_settings_form_works_with_csrf_on(csrf_app):
    """Each link's form has a prefix; its CSRF token must still be found."""
    open_link_in(csrf_app)
    client = csrf_app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(
        "/login", data={"email": "leader@example.com", "password": PASSWORD, "csrf_token": token}
    )
    with csrf_app.app_context():
        round_id = db.session.scalar(select(OpenLink.round_id))
    page = client.get(f"/rounds/{round_id}").text
    csrf = re.search(r'name="follower-csrf_token" type="hidden" value="([^"]+)"', page)[1]
    reply = client.post(
        f"/rounds/{round_id}/open-links/follower",
        data={"follower-csrf_token": csrf, "follower-paused": "y"},
    )
    assert reply.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(OpenLink.paused)) is True
    refused = client.post(f"/rounds/{round_id}/open-links/follower", data={})
    assert refused.status_code == 400


def test_behind_a_proxy_each_forwarded_client_has_its_own_limit(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SURVEY_RATE_LIMIT="1 per minute", PROXY_FIX_X_FOR=1)
    try:
        token = open_link_in(app)
        for address in ("198.51.100.1", "198.51.100.2"):
            client = app.test_client()
            client.environ_base["HTTP_X_FORWARDED_FOR"] = address
            assert client.post(f"/s/{token}", data=full_answers()).status_code == 302
        again = app.test_client()
        again.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
        assert again.post(f"/s/{token}", data=full_answers()).status_code == 429
    finally:
        drop_app(app)
