"""The app answers only to the host names it is configured for (BASE_URL, SERVER_NAME,
TRUSTED_HOSTS): another Host gets a 400, so no link the app builds from a request can point
elsewhere. Over HTTPS it also asks browsers to stay on HTTPS (HSTS)."""

from __future__ import annotations

import pytest

from feedback360.extensions import db
from feedback360.rounds import services as round_services
from feedback360.web import HSTS
from feedback360.web import trusted_hosts
from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import make_app

SITE = "https://feedback.example.org"


@pytest.fixture
def deployed(database_url, tmp_path):
    """As deployed: no SERVER_NAME, the site's address in BASE_URL."""
    app = make_app(database_url, tmp_path, SERVER_NAME=None, BASE_URL=SITE)
    yield app
    drop_app(app)


@pytest.mark.parametrize(
    "host",
    ["evil.example", "feedback.example.org.evil.example", "evil.feedback.example.org", "127.0.0.1"],
)
def test_another_host_gets_a_plain_400(deployed, host):
    reply = deployed.test_client().get("/login", base_url=f"https://{host}")
    assert reply.status_code == 400
    assert reply.mimetype == "text/plain"
    assert host not in reply.text


@pytest.mark.parametrize("host", ["feedback.example.org", "feedback.example.org:443"])
def test_the_site_itself_is_served(deployed, host):
    reply = deployed.test_client().get("/login", headers={"Host": host}, base_url=SITE)
    assert reply.status_code == 200


def test_no_link_shown_to_the_leader_can_point_elsewhere(deployed):
    with deployed.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="Spring", platforms=[], closes_on=None, anonymity_threshold=3
        )
        round_services.open_round(a_round)
        link = round_services.ensure_open_link(a_round, "follower")
        round_services.rotate_open_link(link, deployed.config["SECRET_KEY"])
        db.session.commit()
        round_id = a_round.id
    client = deployed.test_client()
    assert (
        client.post(
            "/login",
            data={"email": "leader@example.com", "password": PASSWORD},
            base_url=SITE,
        ).status_code
        == 302
    )
    page = client.get(f"/rounds/{round_id}", base_url=SITE)
    assert page.status_code == 200 and f"{SITE}/s/" in page.text
    poisoned = client.get(f"/rounds/{round_id}", base_url=SITE, headers={"Host": "evil.example"})
    assert poisoned.status_code == 400 and "/s/" not in poisoned.text


def test_the_test_setup_trusts_its_server_name_only(client):
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_more_names_can_be_trusted_by_configuration(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["other.example.org", ".example.net"]')
    app = make_app(database_url, tmp_path, SERVER_NAME=None, BASE_URL=SITE)
    try:
        client = app.test_client()
        for host in (SITE, "https://other.example.org", "https://a.example.net"):
            assert client.get("/login", base_url=host).status_code == 200, host
        assert client.get("/login", base_url="https://example.org").status_code == 400
    finally:
        drop_app(app)


def test_a_site_on_this_machine_answers_to_every_loopback_name(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SERVER_NAME=None, BASE_URL="http://127.0.0.1:5000")
    try:
        client = app.test_client()
        for host in ("127.0.0.1:5000", "localhost:5000", "127.0.0.1:8123"):
            assert client.get("/login", headers={"Host": host}).status_code == 200, host
        assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    finally:
        drop_app(app)


def test_hsts_only_when_the_site_is_https(deployed, database_url, tmp_path):
    reply = deployed.test_client().get("/login", base_url=SITE)
    assert reply.headers["Strict-Transport-Security"] == HSTS
    assert HSTS == "max-age=63072000; includeSubDomains"
    plain = make_app(database_url, tmp_path / "plain", BASE_URL="http://feedback360.test")
    try:
        assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
    finally:
        drop_app(plain)


@pytest.mark.parametrize(
    "base_url, server_name, extra, expected",
    [
        ("https://a.example.org", None, None, ["a.example.org"]),
        (
            "https://a.example.org:8443/",
            "b.example.org:80",
            "c.example.org, .d.example",
            [".d.example", "a.example.org", "b.example.org", "c.example.org"],
        ),
        ("https://A.Example.org", None, ["X.example.org"], ["a.example.org", "x.example.org"]),
    ],
)
def test_trusted_hosts_come_from_the_configuration(base_url, server_name, extra, expected):
    assert trusted_hosts(base_url, server_name, extra) == expected
