"""Accounts: register by emailed link, log in, log out, reset a forgotten password, with hashed
passwords, CSRF on the real forms and nothing that tells which addresses have accounts."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import pytest
from flask import current_app
from flask import g
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from feedback360.auth import services as auth_services
from feedback360.extensions import db
from feedback360.models import OutboxMessage
from feedback360.models import User
from feedback360.outbox import send_pending
from feedback360.tokens import password_reset_token
from feedback360.tokens import signup_token
from tests.helpers import FAST_METHOD
from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import login
from tests.helpers import make_app

NEW_PASSWORD = "a brand new passphrase"
ACCOUNT_LINK = re.compile(r"https?://[^/\s]+(/(?:reset-password|register)/[A-Za-z0-9_\-.]+)")


class Collect:
    """A mail transport that keeps what it is given."""

    def __init__(self) -> None:
        self.messages = []

    def __enter__(self) -> Collect:
        return self

    def send(self, email) -> None:
        self.messages.append(email)

    def __exit__(self, *exc_info) -> None:
        return None


def deliver() -> list:
    """Run the sender once, as `send-mail` would, and return the emails it composed."""
    transport = Collect()
    send_pending(transport)
    return transport.messages


def plain(email) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def account_link(email) -> str:
    """The path of the one reset or sign-up link in an email (the same in text and HTML)."""
    text_links = ACCOUNT_LINK.findall(plain(email))
    html_links = ACCOUNT_LINK.findall(email.get_body(preferencelist=("html",)).get_content())
    assert len(set(text_links)) == 1 and set(html_links) == set(text_links)
    return text_links[0]


def queued(kind: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalar(query)


def expire_links(monkeypatch, seconds: int) -> None:
    """Make itsdangerous believe `seconds` have passed since any link was signed."""
    real = URLSafeTimedSerializer.default_signer.get_timestamp
    monkeypatch.setattr(
        URLSafeTimedSerializer.default_signer,
        "get_timestamp",
        lambda signer: real(signer) + seconds,
    )


def same_page(page_a, address_a: str, page_b, address_b: str) -> bool:
    return page_a.text.replace(address_a, "ADDRESS") == page_b.text.replace(address_b, "ADDRESS")


# Registering ---------------------------------------------------------------------------------


def register(client, email: str = "ada@example.com"):
    return client.post("/register", data={"email": email})


def finish(client, path: str, **overrides):
    data = {"name": "Ada Leader", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return client.post(path, data=data)


def test_register_emails_a_link_and_creates_the_account_only_from_it(client, ctx):
    page = register(client, " ADA@Example.com ")
    assert page.status_code == 200
    assert "We have sent a message to ada@example.com to finish creating your account." in page.text
    assert db.session.scalar(select(User)) is None, "nothing is stored until the link is used"
    assert queued("signup") == 1
    (email,) = deliver()
    assert email["To"] == "ada@example.com"
    assert email["Subject"] == "Finish creating your feedback360 account"
    assert "works for 1 day" in plain(email)
    path = account_link(email)
    assert path.startswith("/register/")
    form = client.get(path)
    assert form.status_code == 200 and "ada@example.com" in form.text
    reply = finish(client, path)
    assert reply.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.email, user.name) == ("ada@example.com", "Ada Leader")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(f"{FAST_METHOD}$")
    assert "Welcome, Ada Leader" in client.get("/").text
    client.post("/logout")
    used = client.get(path)
    assert used.status_code == 404 and "This sign-up link does not work" in used.text
    assert finish(client, path, name="Mallory").status_code == 404
    assert len(db.session.scalars(select(User)).all()) == 1


def test_register_reports_each_problem(client, ctx):
    page = register(client, "nope")
    assert "Enter an email address like name@example.com." in page.text
    assert queued() == 0
    register(client)
    path = account_link(deliver()[0])
    page = finish(client, path, name="", password="short", confirm="other")
    assert "Enter your name." in page.text
    assert "Use at least 10 characters." in page.text
    assert "The two passwords do not match." in page.text
    assert db.session.scalar(select(User)) is None


def test_registering_a_taken_address_looks_exactly_like_a_new_one(client, leader):
    taken = register(client, "leader@example.com")
    new = register(client, "newcomer@example.com")
    assert taken.status_code == new.status_code == 200
    assert same_page(taken, "leader@example.com", new, "newcomer@example.com")
    assert "already" not in taken.text
    assert queued("signup_taken") == 1 and queued("signup") == 1
    mail = {email["To"]: email for email in deliver()}
    note = plain(mail["leader@example.com"])
    assert "you already have" in note and "/register/" not in note
    assert "/login" in note and "/forgot-password" in note
    assert "/register/" in plain(mail["newcomer@example.com"])
    assert len(db.session.scalars(select(User)).all()) == 1


def test_a_second_sign_up_link_is_dead_once_the_account_exists(client, ctx):
    register(client)
    register(client)
    first, second = (account_link(email) for email in deliver())
    assert finish(client, first).status_code == 302
    client.post("/logout")
    assert client.get(second).status_code == 404
    assert finish(client, second, name="Someone Else").status_code == 404
    assert db.session.scalar(select(User.name)) == "Ada Leader"


def test_sign_up_links_expire(client, ctx, monkeypatch):
    register(client)
    path = account_link(deliver()[0])
    expire_links(monkeypatch, 24 * 3600 + 1)
    page = client.get(path)
    assert page.status_code == 404 and "It has expired" in page.text
    assert finish(client, path).status_code == 404
    assert db.session.scalar(select(User)) is None


def test_sign_up_requests_are_rate_limited_with_the_same_words(database_url, tmp_path):
    app = make_app(database_url, tmp_path, REGISTER_RATE_LIMIT="2 per minute")
    try:
        with app.app_context():
            add_user("leader@example.com")
            client = app.test_client()
            register(client, "a@example.com")
            register(client, "b@example.com")
            for email in ("leader@example.com", "nobody@example.com"):
                page = register(client, email)
                assert page.status_code == 429
                assert "Too many sign-ups from this connection" in page.text
                assert 1 <= int(page.headers["Retry-After"]) <= 60
            assert queued() == 2
            assert client.get("/register").status_code == 200, "reading the page is not limited"
    finally:
        drop_app(app)


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
        from tests.helpers import add_user

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


# Resetting a forgotten password ----------------------------------------------------------------


def forgot(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def reset_link(client, email: str = "leader@example.com") -> str:
    forgot(client, email)
    (mail,) = deliver()
    return account_link(mail)


def test_login_page_offers_a_reset(client, ctx):
    page = client.get("/login")
    assert 'href="/forgot-password"' in page.text and "Forgot your password?" in page.text
    assert "Email me a link" in client.get("/forgot-password").text


def test_reset_request_answers_the_same_and_only_queues_mail(app, client, leader):
    known = forgot(client, "leader@example.com")
    unknown = forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists for leader@example.com, we have sent a link" in known.text
    assert same_page(known, "leader@example.com", unknown, "nobody@example.com")
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.kind, r.to_address, r.status) for r in rows] == [
        ("password_reset", "leader@example.com", "pending"),
        ("reset_no_account", "nobody@example.com", "pending"),
    ], "queued in the request, never sent from it"
    assert [r.user_id for r in rows] == [leader.id, None]
    assert all(r.round_id is None for r in rows)
    mail = {email["To"]: email for email in deliver()}
    assert mail["leader@example.com"]["Subject"] == "Reset your feedback360 password"
    assert "works once, for 1 hour" in plain(mail["leader@example.com"])
    note = plain(mail["nobody@example.com"])
    assert "there is no account for it" in note
    assert "/reset-password/" not in note and "/register" in note


def test_reset_link_sets_the_password_logs_in_afresh_and_works_once(client, leader):
    path = reset_link(client)
    assert path.startswith("/reset-password/")
    page = client.get(path)
    assert page.status_code == 200
    assert "leader@example.com" in page.text and "Choose a new password" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    with client.session_transaction() as session:
        session["left_over"] = "from before the reset"
    reply = choose(client, path)
    assert reply.status_code == 302 and reply.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "left_over" not in session, "a fresh session"
        assert session["_user_id"].startswith(f"{leader.id}:")
    assert "Your password is changed and you are logged in." in client.get("/").text
    client.post("/logout")
    assert "Wrong email or password." in login(client, "leader@example.com").text
    assert login(client, "leader@example.com", NEW_PASSWORD).status_code == 302
    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 404
    assert "This password reset link does not work" in again.text
    assert 'href="/forgot-password"' in again.text
    assert again.headers["Referrer-Policy"] == "no-referrer"
    assert choose(client, path, "yet another password").status_code == 404
    assert login(client, "leader@example.com", NEW_PASSWORD).status_code == 302


def test_new_password_is_checked_with_clear_messages(client, leader):
    path = reset_link(client)
    page = choose(client, path, "short", "other")
    assert page.status_code == 200
    assert "Use at least 10 characters." in page.text
    assert "The two passwords do not match." in page.text
    mismatch = choose(client, path, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "The two passwords do not match." in mismatch.text
    assert login(client, "leader@example.com").status_code == 302, "password unchanged"


def test_every_older_link_dies_with_the_password_it_was_made_for(client, leader):
    forgot(client, "leader@example.com")
    forgot(client, "leader@example.com")
    first, second = (account_link(email) for email in deliver())
    assert choose(client, second).status_code == 302
    client.post("/logout")
    assert client.get(first).status_code == 404


def test_a_link_stops_working_when_the_password_changes_otherwise(client, leader):
    path = reset_link(client)
    assert auth_services.reset_password(leader, "changed elsewhere meanwhile")
    assert client.get(path).status_code == 404


def test_two_uses_of_one_link_at_once_change_the_password_once(client, leader):
    """A second request that read the old hash finds it gone when it updates, and says so."""
    path = reset_link(client)
    user = auth_services.user_for_reset_token(path.rsplit("/", 1)[1])
    assert user is not None
    with db.engine.begin() as first_request:
        first_request.execute(
            update(User.__table__)
            .where(User.__table__.c.id == leader.id)
            .values(password_hash=generate_password_hash(NEW_PASSWORD))
        )
    assert not auth_services.reset_password(user, "the second one loses")
    assert login(client, "leader@example.com", NEW_PASSWORD).status_code == 302


def test_reset_links_expire(client, leader, monkeypatch):
    path = reset_link(client)
    assert client.get(path).status_code == 200
    expire_links(monkeypatch, 3600 + 1)
    page = client.get(path)
    assert page.status_code == 404 and "It has expired" in page.text
    assert choose(client, path).status_code == 404
    assert login(client, "leader@example.com").status_code == 302, "password unchanged"


def test_reset_link_lifetime_comes_from_the_config(database_url, tmp_path, monkeypatch):
    app = make_app(database_url, tmp_path, PASSWORD_RESET_MAX_AGE=600)
    try:
        with app.app_context():
            add_user("leader@example.com")
            client = app.test_client()
            assert "for 10 minutes" in forgot(client, "leader@example.com").text
            (mail,) = deliver()
            assert "works once, for 10 minutes" in plain(mail)
            expire_links(monkeypatch, 601)
            assert client.get(account_link(mail)).status_code == 404
    finally:
        drop_app(app)


def forged_reset_tokens(user: User) -> list[str]:
    secret = current_app.config["SECRET_KEY"]
    genuine = password_reset_token(secret, user.id, user.password_hash)
    payload, stamp, signature = genuine.split(".")
    other_key = password_reset_token("another-secret-key", user.id, user.password_hash)
    return [
        "garbage",
        "a.b.c",
        f"{payload}.{stamp}.{signature[:-2]}AA",
        other_key,
        password_reset_token(secret, user.id + 1000, user.password_hash),
        password_reset_token(secret, user.id, "a different hash"),
        signup_token(secret, user.email),  # a sign-up link is not a reset link
        URLSafeTimedSerializer(secret, salt="feedback360 password reset").dumps({"id": 1}),
        URLSafeTimedSerializer(secret, salt="feedback360 password reset").dumps([2**70, "x"]),
        "x" * 5000,
        quote("é\u2028%00", safe=""),
    ]


def test_forged_or_mangled_reset_links_get_a_clear_page_not_an_error(app, client, leader):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the status a visitor would get
    for token in forged_reset_tokens(leader):
        path = f"/reset-password/{token}"
        for reply in (client.get(path), choose(client, path)):
            assert reply.status_code == 404, token
            assert "This password reset link does not work" in reply.text
    assert login(client, "leader@example.com").status_code == 302, "password unchanged"


def test_forged_sign_up_links_get_a_clear_page(app, client, leader):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    secret = app.config["SECRET_KEY"]
    tokens = [
        "garbage",
        signup_token("another-secret-key", "eve@example.com"),
        password_reset_token(secret, leader.id, leader.password_hash),
        URLSafeTimedSerializer(secret, salt="feedback360 sign-up").dumps(["a", "b"]),
    ]
    for token in tokens:
        path = f"/register/{token}"
        for reply in (client.get(path), finish(client, path)):
            assert reply.status_code == 404, token
            assert "This sign-up link does not work" in reply.text
    assert len(db.session.scalars(select(User)).all()) == 1


def test_no_working_link_is_stored_anywhere_in_the_database(client, leader):
    forgot(client, "leader@example.com")
    register(client, "newcomer@example.com")
    links = [account_link(email) for email in deliver()]
    tokens = [link.rsplit("/", 1)[1] for link in links]
    dump = []
    for table in inspect(db.engine).get_table_names():
        dump += [repr(row) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    everything = "\n".join(dump)
    for token in tokens:
        assert token not in everything
        assert token.split(".")[-1] not in everything, "not even the signature"


def test_account_mail_goes_with_its_account(client, leader):
    """Deleting a user deletes the reset mail still queued for them (ON DELETE CASCADE)."""
    forgot(client, "leader@example.com")
    forgot(client, "nobody@example.com")
    db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": leader.id})
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage.kind)).all() == ["reset_no_account"]


def test_reset_requests_are_rate_limited_with_the_same_words(database_url, tmp_path):
    app = make_app(database_url, tmp_path, RESET_RATE_LIMIT="2 per minute")
    try:
        with app.app_context():
            add_user("leader@example.com")
            client = app.test_client()
            forgot(client, "leader@example.com")
            forgot(client, "nobody@example.com")
            for email in ("leader@example.com", "nobody@example.com"):
                page = forgot(client, email)
                assert page.status_code == 429
                assert "Too many reset requests from this connection" in page.text
            assert queued() == 2
            assert client.get("/forgot-password").status_code == 200
            elsewhere = app.test_client()
            elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.7"
            assert forgot(elsewhere, "leader@example.com").status_code == 200
            assert login(client, "leader@example.com").status_code == 302, "login has its own"
    finally:
        drop_app(app)


def test_logs_never_carry_reset_or_sign_up_tokens(app, client, leader, caplog):
    reset_path = reset_link(client)
    register(client, "newcomer@example.com")
    (signup_mail,) = deliver()
    signup_path = account_link(signup_mail)
    with caplog.at_level(logging.INFO):
        for path in (reset_path, signup_path, reset_path + "?x=1"):
            logging.getLogger("werkzeug").info(
                '%s - - [%s] "%s" %s %s', "127.0.0.1", "now", f"GET {path} HTTP/1.1", 200, "-"
            )
        app.logger.error("Exception on %s [%s]", reset_path, "POST")
    for path in (reset_path, signup_path):
        assert path.rsplit("/", 1)[1] not in caplog.text
    assert "GET /reset-password/[redacted] HTTP/1.1" in caplog.text
    assert "GET /register/[redacted] HTTP/1.1" in caplog.text
    assert "Exception on /reset-password/[redacted] [POST]" in caplog.text


def test_reset_pages_need_a_csrf_token(csrf_app):
    with csrf_app.app_context():
        add_user("leader@example.com")
        client = csrf_app.test_client()
        assert forgot(client, "leader@example.com").status_code == 400
        assert queued() == 0
        page = client.get("/forgot-password").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        sent = client.post(
            "/forgot-password", data={"email": "leader@example.com", "csrf_token": token}
        )
        assert "If an account exists" in sent.text
        assert choose(client, account_link(deliver()[0])).status_code == 400
        db.session.expire_all()
        user = db.session.scalar(select(User))
        assert user.password_hash.startswith("pbkdf2:"), "still the fixture's password"


def test_a_new_password_ends_every_other_session(app, client, leader):
    """A reset is what someone does after losing a laptop: the old sessions must stop working."""
    other_device = app.test_client()
    assert login(other_device, "leader@example.com").status_code == 302
    assert other_device.get("/account").status_code == 200
    login(client, "leader@example.com")
    assert auth_services.reset_password(leader, "a brand new passphrase")
    # The fixtures' app context outlives requests here, and Flask-Login caches the user in `g`
    # for the context's life; a real request starts without it.
    g.pop("_login_user", None)
    reply = other_device.get("/account")
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")


def test_a_forged_session_id_is_anonymous(app, client, leader):
    with client.session_transaction() as session:
        session["_user_id"] = str(leader.id)  # the old format, or a guess: no fingerprint
        session["_fresh"] = True
    g.pop("_login_user", None)
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = "99999999999999999999:x"
    g.pop("_login_user", None)
    assert client.get("/account").status_code == 302


def test_one_inbox_gets_at_most_three_account_emails_in_half_an_hour(app, client, leader):
    """Many senders (many addresses, so past the per-client limit) cannot flood one inbox."""
    pages = set()
    for n in range(6):
        for path, email in (("/forgot-password", "leader@example.com"), ("/register", "x@y.org")):
            reply = client.post(
                path, data={"email": email}, environ_base={"REMOTE_ADDR": f"10.1.0.{n}"}
            )
            assert reply.status_code == 200
            pages.add((path, re.sub(r"csrf_token[^>]*>", "", reply.text)))
    assert len(pages) == 2, "every request gets the same page"
    sent = db.session.scalars(select(OutboxMessage.to_address)).all()
    assert sorted(sent) == ["leader@example.com"] * 3 + ["x@y.org"] * 3
