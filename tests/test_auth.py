"""Accounts: register, log in, log out, with hashed passwords and CSRF on the real forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback360.extensions import db
from feedback360.models import User
from tests.conftest import PASSWORD
from tests.conftest import add_user
from tests.conftest import drop_app
from tests.conftest import login
from tests.conftest import make_app


def register(client, **overrides):
    data = {
        "name": "Ada Leader",
        "email": "ada@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_register_logs_in_and_hashes_the_password(client, ctx):
    reply = register(client, email=" ADA@Example.com ")
    assert reply.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "ada@example.com"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert "Welcome, Ada Leader" in client.get("/").text


def test_register_reports_each_problem(client, ctx):
    page = register(client, name="", email="nope", password="short", confirm="other")
    assert "Enter your name." in page.text
    assert "Enter an email address like name@example.com." in page.text
    assert "Use at least 10 characters." in page.text
    assert "The two passwords do not match." in page.text
    assert db.session.scalar(select(User)) is None


def test_register_twice_with_one_email(client, ctx):
    register(client)
    client.post("/logout")
    page = register(client, name="Someone Else")
    assert "already exists" in page.text
    assert len(db.session.scalars(select(User)).all()) == 1


def test_wrong_email_and_wrong_password_get_the_same_message(client, leader):
    wrong_password = login(client, "leader@example.com", "not the password")
    unknown = login(client, "nobody@example.com")
    assert "Wrong email or password." in wrong_password.text
    assert "Wrong email or password." in unknown.text
    assert client.get("/rounds/new").status_code == 302


def test_login_and_logout(client, leader):
    assert login(client, "LEADER@example.com").status_code == 302
    assert client.get("/rounds/new").status_code == 200
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/rounds/new").status_code == 302


def test_login_required_pages_redirect_to_login_with_next(client, ctx):
    reply = client.get("/rounds/new")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login?next=")


def test_logout_needs_a_csrf_token(csrf_app):
    with csrf_app.app_context():
        from tests.conftest import add_user

        add_user("leader@example.com")
    client = csrf_app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(
        "/login", data={"email": "leader@example.com", "password": PASSWORD, "csrf_token": token}
    )
    forged = client.post("/logout")
    assert forged.status_code == 400
    assert "nothing was saved" in forged.text
    assert client.get("/rounds/new").status_code == 200, "still logged in"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)[1]
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/rounds/new").status_code == 302


def test_session_cookie_flags(client, leader):
    reply = login(client, "leader@example.com")
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "BASE_URL is http here: a Secure cookie would never come back"


@pytest.mark.parametrize(
    ("config", "secure"),
    [
        ({"BASE_URL": "https://feedback.example.net"}, True),
        ({"BASE_URL": "https://feedback.example.net", "SESSION_COOKIE_SECURE": False}, False),
        ({"BASE_URL": "http://127.0.0.1:5000", "SESSION_COOKIE_SECURE": True}, True),
    ],
)
def test_session_cookie_is_secure_when_served_over_https(database_url, tmp_path, config, secure):
    app = make_app(database_url, tmp_path, **config)
    try:
        with app.app_context():
            add_user("leader@example.com")
        cookie = login(app.test_client(), "leader@example.com").headers["Set-Cookie"]
        assert ("; Secure" in cookie) is secure
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        drop_app(app)


def test_login_attempts_are_rate_limited_with_a_generic_message(database_url, tmp_path):
    app = make_app(database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute")
    try:
        with app.app_context():
            add_user("leader@example.com")
        client = app.test_client()
        for _ in range(3):
            assert "Wrong email or password." in login(client, "leader@example.com", "bad").text
        for email in ("leader@example.com", "nobody@example.com"):
            page = login(client, email, "bad")
            assert page.status_code == 429
            assert "Too many login attempts from this connection" in page.text
        assert client.get("/login").status_code == 200, "reading the page is not limited"
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        assert login(elsewhere, "leader@example.com").status_code == 302
    finally:
        drop_app(app)
