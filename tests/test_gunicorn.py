"""Serving under gunicorn with the package's config: real processes, a real socket, real logs.

gunicorn runs in a subprocess on a free loopback port against a temporary SQLite instance, with
two workers as in production; the test reads the log files it wrote.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from feedback360 import PROJECT_ROOT
from feedback360.extensions import db
from feedback360.rounds import services as round_services
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import make_app

SECRET_KEY = "gunicorn-test-secret-key-32-bytes-long"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def seeded(tmp_path):
    """An open round with one invitation and an open link for followers: their tokens."""
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    app = make_app(url, tmp_path, SECRET_KEY=SECRET_KEY)
    with app.app_context():
        leader = add_user("leader@example.com", "Lee Leader")
        a_round = round_services.create_round(
            leader, title="Served", platforms=["LinkedIn"], closes_on=None, anonymity_threshold=3
        )
        tokens = invite(a_round, "staff0@example.org, staff")
        round_services.open_round(a_round)
        link = round_services.ensure_open_link(a_round, "follower")
        open_token = round_services.rotate_open_link(link, SECRET_KEY)
        db.session.remove()
    yield url, tokens["staff0@example.org"], open_token
    drop_app(app)


def gunicorn_command(*extra: str) -> list[str]:
    """gunicorn as the README starts it, with `extra` flags before the app."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:feedback360.gunicorn_config",
        *extra,
        "feedback360:create_app()",
    ]


@pytest.fixture
def gunicorn(seeded, tmp_path):
    """gunicorn started as the README says; yields (base URL, log directory)."""
    url = seeded[0]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FEEDBACK360_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_SECRET_KEY": SECRET_KEY,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        # Two workers need shared limiter counters (gunicorn_config refuses memory://).
        "FLASK_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "FLASK_RATELIMIT_KEY_PREFIX": f"gunicorn-test-{port}",
        "GUNICORN_ACCESSLOG": str(tmp_path / "access.log"),
        "GUNICORN_ERRORLOG": str(tmp_path / "error.log"),
    }
    process = subprocess.Popen(gunicorn_command(), cwd=PROJECT_ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "error.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_gunicorn_access_log_never_shows_a_survey_token(seeded, gunicorn, tmp_path):
    _, invitation_token, open_token = seeded
    base, process = gunicorn
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def fetch(path: str, data: dict | None = None, referer: str | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(base + path, data=body)
        if referer:
            request.add_header("Referer", referer)
        try:
            with browser.open(request, timeout=10) as reply:
                return reply.status, reply.geturl(), reply.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, path, error.read().decode()

    status, _, page = fetch(f"/s/{open_token}")
    assert status == 200
    csrf_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    # A client that sends a token in its Referer (the app's pages ask browsers not to).
    status, final_url, _ = fetch(
        f"/s/{open_token}",
        {"csrf_token": csrf_token, **full_answers("4")},
        referer=f"{base}/s/{open_token}",
    )
    assert (status, final_url) == (200, f"{base}/s/thanks")  # after the 302
    assert fetch(f"/s/{invitation_token}")[0] == 200
    assert fetch(f"/s/{invitation_token}/decline")[0] == 200
    assert fetch("/s/not-a-real-token-but-still-a-secret")[0] == 404

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()

    lines = access.splitlines()
    assert len(lines) == 6, access
    for secret in (open_token, invitation_token, "not-a-real-token-but-still-a-secret"):
        assert secret not in access
        assert secret not in errors
    # Two workers append to one file, so lines may come in any order.
    requests = sorted(
        re.search(r'"((?:GET|POST) \S+) HTTP/1.1" (\d+)', line).groups() for line in lines
    )
    assert requests == [
        ("GET /s/[redacted]", "200"),
        ("GET /s/[redacted]", "200"),
        ("GET /s/[redacted]", "404"),
        ("GET /s/[redacted]/decline", "200"),
        ("GET /s/thanks", "200"),
        ("POST /s/[redacted]", "302"),
    ]
    post = next(line for line in lines if '"POST ' in line)
    assert f'"{base}/s/[redacted]"' in post  # the Referer field
    assert "127.0.0.1" not in access.replace(base, ""), "no client address"
    assert "Python-urllib" not in access, "no user agent"
    assert "Booting worker" in errors and errors.count("Booting worker") == 2
    assert "database is locked" not in errors
