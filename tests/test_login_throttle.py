"""Logins are throttled per account as well as per client, without locking the real user out.

Guesses spread over many client addresses still count against the one address they try; a
browser that has logged in to the account before counts on its own, so others' failures never
stop it; and the answers are the same for an address with or without an account.
"""

from __future__ import annotations

import pytest
from flask import current_app

from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import login
from tests.helpers import make_app
from tests.test_auth import account_link
from tests.test_auth import choose
from tests.test_auth import deliver
from tests.test_auth import forgot

NEW_PASSWORD = "a brand new passphrase"
KNOWN_BROWSER_COOKIE = "known_browser"
TOO_MANY = "Too many login attempts from this connection or for this email address."


@pytest.fixture
def limited(database_url, tmp_path):
    """The app with a per-account limit of 3 a minute and a per-client one that never bites."""
    app = make_app(
        database_url,
        tmp_path,
        LOGIN_RATE_LIMIT="100 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="3 per minute",
    )
    with app.app_context():
        add_user("leader@example.com")
        add_user("eve@example.com")
    yield app
    drop_app(app)


def browser(app, address: str):
    """A fresh browser (no cookies) at another network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guesses_from_many_addresses(app, email: str, count: int) -> list:
    return [
        login(browser(app, f"203.0.113.{n}"), email, f"guess number {n}")
        for n in range(1, count + 1)
    ]


def test_guesses_from_many_addresses_at_one_account_are_throttled(limited):
    statuses = [
        page.status_code for page in guesses_from_many_addresses(limited, "leader@example.com", 5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    # The right password from yet another new browser waits too: otherwise the limit would
    # tell a guesser which guess was right.
    stranger = login(browser(limited, "198.51.100.9"), "leader@example.com")
    assert stranger.status_code == 429
    assert TOO_MANY in stranger.text
    assert 1 <= int(stranger.headers["Retry-After"]) <= 60
    # Another account is not affected.
    assert login(browser(limited, "198.51.100.10"), "eve@example.com").status_code == 302


def test_the_real_user_in_their_own_browser_is_never_locked_out(limited):
    own = browser(limited, "192.0.2.1")
    assert login(own, "LEADER@example.com").status_code == 302
    own.post("/logout")
    guesses = guesses_from_many_addresses(limited, "leader@example.com", 6)
    assert [page.status_code for page in guesses][-3:] == [429, 429, 429]
    assert login(own, "leader@example.com").status_code == 302, "their browser still logs in"
    own.post("/logout")
    # Their own mistakes count on their browser alone: the limit still slows a thief of it.
    mistakes = [login(own, "leader@example.com", "typo").status_code for _ in range(3)]
    assert mistakes == [200, 200, 200]
    assert login(own, "leader@example.com").status_code == 429


def test_a_reset_email_lets_the_real_user_in_from_a_new_browser(limited):
    guesses_from_many_addresses(limited, "leader@example.com", 4)
    new_browser = browser(limited, "192.0.2.2")
    assert login(new_browser, "leader@example.com").status_code == 429
    with limited.app_context():
        forgot(new_browser, "leader@example.com")
        (mail,) = deliver()
    assert choose(new_browser, account_link(mail)).status_code == 302, "logged in by the link"
    new_browser.post("/logout")
    assert login(new_browser, "leader@example.com", NEW_PASSWORD).status_code == 302


def cookie_names(reply) -> set[str]:
    return {cookie.split("=", 1)[0] for cookie in reply.headers.getlist("Set-Cookie")}


def test_unknown_and_known_addresses_get_the_same_answers(limited):
    pages = {}
    for email in ("leader@example.com", "nobody@example.com"):
        pages[email] = guesses_from_many_addresses(limited, email, 5)
        pages[email].append(login(browser(limited, "198.51.100.1"), email))  # right password
    known, unknown = pages["leader@example.com"], pages["nobody@example.com"]
    assert [p.status_code for p in known] == [200, 200, 200, 429, 429, 429]
    assert [p.status_code for p in unknown] == [p.status_code for p in known]
    for a, b in zip(known, unknown, strict=True):
        assert a.text.replace("leader@example.com", "X") == b.text.replace(
            "nobody@example.com", "X"
        )
        assert ("Retry-After" in a.headers) == ("Retry-After" in b.headers)
        assert cookie_names(a) == cookie_names(b) and KNOWN_BROWSER_COOKIE not in cookie_names(a)
    assert "Wrong email or password." in known[0].text


def test_a_browser_known_to_one_account_is_a_stranger_to_another(limited):
    eve = browser(limited, "192.0.2.66")
    assert login(eve, "eve@example.com").status_code == 302
    eve.post("/logout")
    statuses = [login(eve, "leader@example.com", f"guess {n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429], "Eve's cookie counts for Eve's account only"
    from feedback360.tokens import known_browser_token
    from feedback360.tokens import login_account_key

    with limited.app_context():
        secret = current_app.config["SECRET_KEY"]
        account = login_account_key(secret, "leader@example.com")
        forged = [
            known_browser_token("another-secret-key", account),
            known_browser_token(secret, account)[:-3] + "AAA",
            "garbage",
        ]
    for n, cookie in enumerate(forged):
        thief = browser(limited, f"192.0.2.{100 + n}")
        thief.set_cookie(KNOWN_BROWSER_COOKIE, cookie, domain="feedback360.test", path="/login")
        assert login(thief, "leader@example.com").status_code == 429, cookie


def test_the_known_browser_cookie_goes_only_to_the_login_page(limited):
    own = browser(limited, "192.0.2.1")
    reply = login(own, "leader@example.com")
    (cookie,) = [
        c for c in reply.headers.getlist("Set-Cookie") if c.startswith(KNOWN_BROWSER_COOKIE)
    ]
    assert "Path=/login" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "leader" not in value and "example" not in value, "no address in it"
    assert own.get_cookie(KNOWN_BROWSER_COOKIE, domain="feedback360.test", path="/login")
    assert own.get_cookie(KNOWN_BROWSER_COOKIE, domain="feedback360.test", path="/") is None


def test_a_secure_site_sends_the_known_browser_cookie_over_https_only(database_url, tmp_path):
    app = make_app(database_url, tmp_path, BASE_URL="https://feedback.example.net")
    try:
        with app.app_context():
            add_user("leader@example.com")
        reply = login(app.test_client(), "leader@example.com", PASSWORD)
        (cookie,) = [
            c for c in reply.headers.getlist("Set-Cookie") if c.startswith(KNOWN_BROWSER_COOKIE)
        ]
        assert "; Secure" in cookie
    finally:
        drop_app(app)
