"""Password hashes from an older scheme are redone in the current one at the next login.

The app here runs with its production scheme (scrypt); the fixture users' cheap pbkdf2 hash
stands in for a hash from before, as do weaker scrypt parameters.
"""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from feedback360 import create_app
from feedback360.auth import services as auth_services
from feedback360.extensions import db
from feedback360.models import User
from feedback360.tokens import password_reset_token
from tests.helpers import FAST_HASH
from tests.helpers import PASSWORD
from tests.helpers import drop_app
from tests.helpers import login
from tests.helpers import make_app

PRODUCTION_METHOD = "scrypt:32768:8:1"


def test_the_app_hashes_new_passwords_with_scrypt(tmp_path):
    app = create_app({"INSTANCE_PATH": tmp_path / "instance", "SECRET_KEY": "k" * 32})
    with app.app_context():
        assert auth_services.current_password_method() == PRODUCTION_METHOD
        assert auth_services.hash_password(PASSWORD).startswith(f"{PRODUCTION_METHOD}$")
        assert auth_services.needs_rehash(FAST_HASH)
        assert not auth_services.needs_rehash(generate_password_hash(PASSWORD))


@pytest.fixture
def production_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, PASSWORD_HASH_METHOD=PRODUCTION_METHOD)
    yield app
    drop_app(app)


def add_user_with(app, password_hash: str) -> int:
    with app.app_context():
        user = User(email="leader@example.com", name="Lee", password_hash=password_hash)
        db.session.add(user)
        db.session.commit()
        return user.id


def stored_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash))


@pytest.mark.parametrize(
    "older",
    [FAST_HASH, generate_password_hash(PASSWORD, method="scrypt:16384:8:1")],
    ids=["pbkdf2", "weaker-scrypt"],
)
def test_an_older_hash_is_upgraded_at_the_next_login(production_app, older):
    add_user_with(production_app, older)
    browser = production_app.test_client()
    assert "Wrong email or password." in login(browser, "leader@example.com", "wrong").text
    assert stored_hash(production_app) == older, "a wrong password changes nothing"

    assert login(browser, "leader@example.com").status_code == 302
    assert browser.get("/rounds/new").status_code == 200, "this session stays logged in"
    upgraded = stored_hash(production_app)
    assert upgraded.startswith(f"{PRODUCTION_METHOD}$")
    assert check_password_hash(upgraded, PASSWORD)

    browser.post("/logout")
    assert "Wrong email or password." in login(browser, "leader@example.com", "wrong").text
    assert login(browser, "leader@example.com").status_code == 302
    assert stored_hash(production_app) == upgraded, "a current hash is kept as it is"


def test_the_upgrade_ends_other_sessions_and_reset_links(production_app):
    """Sessions and reset links carry a fingerprint of the hash (see `tokens`), so they end
    with the old hash, once per account, as the README says."""
    user_id = add_user_with(production_app, FAST_HASH)
    other_device = production_app.test_client()
    with production_app.app_context():
        user = db.session.get(User, user_id)
        old_session_id = user.get_id()
        reset_path = "/reset-password/" + password_reset_token(
            current_app.config["SECRET_KEY"], user.id, user.password_hash
        )
    with other_device.session_transaction() as session:
        session["_user_id"] = old_session_id
    assert other_device.get("/rounds/new").status_code == 200, "logged in before the upgrade"

    this_device = production_app.test_client()
    assert login(this_device, "leader@example.com").status_code == 302
    assert this_device.get("/rounds/new").status_code == 200
    assert other_device.get("/rounds/new").status_code == 302, "logged out by the upgrade"
    assert this_device.get(reset_path).status_code == 404
