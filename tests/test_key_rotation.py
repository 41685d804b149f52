"""The secret key: at least 32 bytes, and rotated through SECRET_KEY_FALLBACKS without breaking
sessions, CSRF tokens, account links, the open-link cookie, survey links (first use, reminders)
or the record of which invitations of a maximum-anonymity round were used.

Each test runs the app under key A, then a second app on the same database under key B with A
in SECRET_KEY_FALLBACKS, as after a restart with the new key.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from feedback360 import create_app
from feedback360.extensions import db
from feedback360.keys import SecretKeyError
from feedback360.mail import transport
from feedback360.models import Invitation
from feedback360.models import Round
from feedback360.outbox import send_pending
from feedback360.rounds import services as round_services
from feedback360.survey.views import ANSWERED_COOKIE
from feedback360.survey.views import ANSWERED_SALT
from feedback360.survey.views import answered_open_links
from feedback360.tokens import password_reset_token
from feedback360.tokens import signup_token
from tests.helpers import PASSWORD
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import make_app
from tests.helpers import response_count
from tests.helpers import time_passes

KEY_A = "a" * 16 + "-old-key-of-at-least-32-bytes"
KEY_B = "b" * 16 + "-new-key-of-at-least-32-bytes"
HOST = "feedback360.test"


@pytest.fixture
def before(database_url, tmp_path):
    """The app under the old key A."""
    app = make_app(database_url, tmp_path, SECRET_KEY=KEY_A)
    yield app
    dispose_and_drop(app)


def dispose_and_drop(app) -> None:
    for other in app.extensions.get("rotated", []):
        with other.app_context():
            db.engine.dispose()
    drop_app(app)


def rotated(before, tmp_path, fallbacks=(KEY_A,), **config):
    """The same database under the new key B, A kept as a fallback."""
    after = make_app(
        before.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "after",
        SECRET_KEY=KEY_B,
        SECRET_KEY_FALLBACKS=list(fallbacks),
        **config,
    )
    before.extensions.setdefault("rotated", []).append(after)
    return after


def open_round_with(app, lines: str, max_anonymity: bool = False) -> tuple[int, dict[str, str]]:
    with app.app_context():
        leader = add_user("leader@example.com", "Lee Leader")
        a_round = round_services.create_round(
            leader,
            title="Spring",
            platforms=[],
            closes_on=None,
            anonymity_threshold=3,
            max_anonymity=max_anonymity,
        )
        tokens = invite(a_round, lines)
        round_services.open_round(a_round)
        return a_round.id, tokens


# --- Short keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {"SECRET_KEY": "test-secret-key"},
        {"SECRET_KEY": "é" * 15},  # 30 bytes
        {"SECRET_KEY": KEY_B, "SECRET_KEY_FALLBACKS": ["old-short-key"]},
        {"SECRET_KEY": KEY_B, "SECRET_KEY_FALLBACKS": "old-short-key"},
    ],
)
def test_a_key_shorter_than_32_bytes_is_refused_at_start(tmp_path, config):
    with pytest.raises(SecretKeyError, match="at least 32") as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": tmp_path, **config})
    assert "FLASK_SECRET_KEY" in str(refused.value)


def test_a_32_byte_key_and_the_generated_one_are_accepted(tmp_path):
    assert create_app({"INSTANCE_PATH": tmp_path / "a", "SECRET_KEY": "k" * 32}).secret_key
    generated = create_app({"INSTANCE_PATH": tmp_path / "b"}).secret_key
    assert len(generated) == 64


def test_a_key_from_the_environment_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "short")
    with pytest.raises(SecretKeyError):
        create_app({"INSTANCE_PATH": tmp_path})
    monkeypatch.setenv("FLASK_SECRET_KEY", KEY_B)
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", KEY_A)  # one key, not a JSON list
    app = create_app({"INSTANCE_PATH": tmp_path})
    assert app.config["SECRET_KEY_FALLBACKS"] == [KEY_A]


# --- Survey links ------------------------------------------------------------------------------


def test_a_link_issued_under_the_old_key_opens_and_submits_after_rotation(before, tmp_path):
    _, tokens = open_round_with(before, "ann@example.org, staff")
    after = rotated(before, tmp_path)
    client = after.test_client()
    token = tokens["ann@example.org"]
    assert client.get(f"/s/{token}").status_code == 200
    reply = client.post(f"/s/{token}", data=full_answers())
    assert reply.status_code == 302 and reply.location.endswith("/s/thanks")
    with after.app_context():
        assert response_count() == 1
        assert db.session.scalars(select(Invitation.answered)).one() is True


def eml_links(app) -> list[str]:
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    links = []
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        links += re.findall(r"/s/([A-Za-z0-9_\-]+)", text)
        path.unlink()
    return links


def test_a_reminder_sent_after_rotation_carries_the_working_link(before, tmp_path):
    round_id, tokens = open_round_with(before, "ann@example.org, staff\nbob@example.org, staff")
    with before.app_context():
        send_pending(transport(), 100)
        time_passes(days=3)
    after = rotated(before, tmp_path)
    with after.app_context():
        a_round = db.session.get(Round, round_id)
        round_services.send_reminders(a_round)
        (carol_token,) = invite(a_round, "carol@example.org, staff").values()  # under key B
        report = send_pending(transport(), 100)
        assert (report.sent, report.failed) == (3, 0)
        links = set(eml_links(after))
    assert links == {*tokens.values(), carol_token}, "the reminders repeat the links issued"
    client = after.test_client()
    for token in links:
        reply = client.post(f"/s/{token}", data=full_answers())
        assert reply.status_code == 302 and reply.location.endswith("/s/thanks"), token


def test_without_the_old_key_a_reminder_is_not_sent_with_a_dead_link(before, tmp_path):
    round_id, _ = open_round_with(before, "ann@example.org, staff")
    with before.app_context():
        send_pending(transport(), 100)
        time_passes(days=3)
    after = rotated(before, tmp_path, fallbacks=())
    with after.app_context():
        round_services.send_reminders(db.session.get(Round, round_id))
        report = send_pending(transport(), 100)
        assert (report.sent, report.failed) == (0, 1)


def test_the_open_link_shown_to_the_leader_stays_the_one_issued(before, tmp_path):
    round_id, _ = open_round_with(before, "ann@example.org, staff")
    with before.app_context():
        a_round = db.session.get(Round, round_id)
        link = round_services.ensure_open_link(a_round, "follower")
        issued = round_services.rotate_open_link(link, KEY_A)
        db.session.commit()
    after = rotated(before, tmp_path)
    client = after.test_client()
    client.post("/login", data={"email": "leader@example.com", "password": PASSWORD})
    page = client.get(f"/rounds/{round_id}")
    assert f"/s/{issued}" in page.text
    assert after.test_client().get(f"/s/{issued}").status_code == 200


# --- Maximum anonymity: a use recorded under the old key still counts --------------------------


def test_an_invitation_used_under_the_old_key_stays_used_after_rotation(before, tmp_path):
    round_id, tokens = open_round_with(before, "ann@example.org, staff", max_anonymity=True)
    token = tokens["ann@example.org"]
    reply = before.test_client().post(f"/s/{token}", data=full_answers())
    assert reply.status_code == 302
    after = rotated(before, tmp_path)
    client = after.test_client()
    assert "already been used" in client.get(f"/s/{token}").text
    client.post(f"/s/{token}", data=full_answers("2"))
    with after.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        new_token = round_services.new_invitation_link(invitation)  # under key B
    assert "already been used" in client.get(f"/s/{new_token}").text
    client.post(f"/s/{new_token}", data=full_answers("1"))
    with after.app_context():
        assert response_count() == 1, "one person, one answer, whatever the key"


# --- Sessions, CSRF tokens, account links, the open-link cookie --------------------------------


def test_a_session_and_a_form_made_under_the_old_key_still_work(database_url, tmp_path):
    before = make_app(database_url, tmp_path, SECRET_KEY=KEY_A, WTF_CSRF_ENABLED=True)
    try:
        with before.app_context():
            add_user("leader@example.com")
        old = before.test_client()
        page = old.get("/login")
        csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
        after = rotated(before, tmp_path, WTF_CSRF_ENABLED=True)
        new = after.test_client()
        new.set_cookie("session", old.get_cookie("session", domain=HOST).value, domain=HOST)
        data = {"email": "leader@example.com", "password": PASSWORD, "csrf_token": csrf_token}
        assert new.post("/login", data=data).status_code == 302, "the form made under key A"
        assert old.post("/login", data=data).status_code == 302
        assert old.get("/account").status_code == 200
        carried = after.test_client()
        carried.set_cookie("session", old.get_cookie("session", domain=HOST).value, domain=HOST)
        assert carried.get("/account").status_code == 200, "the session made under key A"
    finally:
        dispose_and_drop(before)


def test_account_links_made_under_the_old_key_still_work(before, tmp_path):
    with before.app_context():
        user = add_user("leader@example.com")
        reset = password_reset_token(KEY_A, user.id, user.password_hash)
    signup = signup_token(KEY_A, "new@example.org")
    after = rotated(before, tmp_path)
    client = after.test_client()
    assert 'name="password"' in client.get(f"/reset-password/{reset}").text
    assert 'name="password"' in client.get(f"/register/{signup}").text
    without = rotated(before, tmp_path / "without", fallbacks=()).test_client()
    assert 'name="password"' not in without.get(f"/reset-password/{reset}").text


def test_the_answered_cookie_made_under_the_old_key_is_still_read(before, tmp_path):
    cookie = URLSafeSerializer(KEY_A, salt=ANSWERED_SALT).dumps([7, 9])
    after = rotated(before, tmp_path)
    with after.test_request_context("/s/x", headers={"Cookie": f"{ANSWERED_COOKIE}={cookie}"}):
        assert answered_open_links() == [7, 9]
