"""gunicorn with several workers holds the rate limits, or refuses to start.

Each worker of a memory:// limiter counts on its own, so N workers let N times the limits through.
These tests start real gunicorn masters (as README's "Running for many leaders" does) and check
that the package's config refuses that setup with a message naming the setting, and that it
starts, and limits, with Redis (127.0.0.1:6379) as the shared storage.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from feedback360 import PROJECT_ROOT
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import make_app
from tests.test_gunicorn import free_port
from tests.test_gunicorn import gunicorn_command

REDIS_URL = "redis://127.0.0.1:6379"
REFUSAL = "Set FLASK_RATELIMIT_STORAGE_URI=redis://host:6379 (or RATELIMIT_STORAGE_URI)"


def environment(tmp_path, port: int, **settings: str) -> dict[str, str]:
    """The test process's environment without any limiter or worker setting, plus `settings`."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "RATELIMIT_", "WEB_CONCURRENCY", "GUNICORN_"))
    }
    return {
        **inherited,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite'}",
        "FEEDBACK360_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_SECRET_KEY": "gunicorn-test-secret-key-32-bytes-long",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_ERRORLOG": str(tmp_path / "error.log"),
        **settings,
    }


@pytest.mark.parametrize(
    ("settings", "flags"),
    [
        ({"WEB_CONCURRENCY": "2"}, ()),  # the default storage is memory://
        ({"WEB_CONCURRENCY": "3", "RATELIMIT_STORAGE_URI": "memory://"}, ()),
        # FLASK_RATELIMIT_STORAGE_URI wins over RATELIMIT_STORAGE_URI, in the app and the check.
        (
            {
                "WEB_CONCURRENCY": "2",
                "RATELIMIT_STORAGE_URI": REDIS_URL,
                "FLASK_RATELIMIT_STORAGE_URI": "memory://",
            },
            (),
        ),
        ({"WEB_CONCURRENCY": "1"}, ("--workers", "2")),  # a command-line flag counts too
    ],
)
def test_several_workers_with_in_memory_limits_refuse_to_start(tmp_path, settings, flags):
    port = free_port()
    done = subprocess.run(
        gunicorn_command(*flags),
        cwd=PROJECT_ROOT,
        env=environment(tmp_path, port, **settings),
        capture_output=True,
        text=True,
        timeout=30,  # a master that starts anyway serves until killed here
    )
    assert done.returncode != 0
    assert REFUSAL in done.stderr
    assert "WEB_CONCURRENCY=1" in done.stderr
    errors = (tmp_path / "error.log").read_text()
    assert REFUSAL in errors, "the error log says why, too"
    assert "Booting worker" not in errors


class Served:
    """A gunicorn master started in the background; stopped with SIGTERM."""

    def __init__(self, tmp_path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = tmp_path / "error.log"
        self.process = subprocess.Popen(
            gunicorn_command(),
            cwd=PROJECT_ROOT,
            env=environment(tmp_path, self.port, **settings),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    self.stop()
                    pytest.fail(f"gunicorn exited: {self.error_log.read_text()}")
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail("gunicorn did not start in 30 s")
                time.sleep(0.1)

    def fetch(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with urllib.request.urlopen(self.base + path, data=body, timeout=10) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.error_log.read_text()


@pytest.fixture
def tables(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'served.sqlite'}", tmp_path)
    with app.app_context():
        add_user("leader@example.com")
    yield
    drop_app(app)


def test_several_workers_share_login_limits_through_redis(tmp_path, tables):
    served = Served(
        tmp_path,
        WEB_CONCURRENCY="2",
        FLASK_RATELIMIT_STORAGE_URI=REDIS_URL,
        FLASK_RATELIMIT_KEY_PREFIX=f"gunicorn-limits-{uuid.uuid4().hex}",
        FLASK_LOGIN_RATE_LIMIT="3 per minute",
        FLASK_WTF_CSRF_ENABLED="false",
    )
    try:
        guess = {"email": "leader@example.com", "password": "not the password"}
        # Each request is a new connection, taken by whichever worker accepts it first.
        statuses = [served.fetch("/login", guess) for _ in range(6)]
    finally:
        errors = served.stop()
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert errors.count("Booting worker") == 2


@pytest.mark.parametrize(
    "settings",
    [
        {"WEB_CONCURRENCY": "2", "RATELIMIT_STORAGE_URI": REDIS_URL},
        {"WEB_CONCURRENCY": "1"},  # one worker may count in memory
        {"WEB_CONCURRENCY": "2", "FLASK_RATELIMIT_ENABLED": "false"},  # nothing to share
    ],
)
def test_shared_storage_one_worker_or_no_limiter_start(tmp_path, tables, settings):
    served = Served(tmp_path, **settings)
    try:
        status = served.fetch("/login")
    finally:
        errors = served.stop()
    assert status == 200
    assert errors.count("Booting worker") == int(settings["WEB_CONCURRENCY"])
    assert "refuses" not in errors
