"""Shared fixtures; plain helpers are in tests/helpers.py. Every test that touches the database
runs on SQLite and on PostgreSQL.

PostgreSQL tests use a throw-away schema in the database named by FEEDBACK360_TEST_POSTGRES_URL
(default: the local server's `test` database); they are skipped, with the reason, when it does not
answer.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from feedback360.catalogs import compile_stale
from feedback360.rounds import services as round_services
from tests.helpers import CHROMIUM
from tests.helpers import CHROMIUM_ARGS
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import invite
from tests.helpers import make_app
from tests.helpers import postgres_schema
from tests.helpers import serve


def pytest_sessionstart(session):
    """The catalogs as the .po files say now (`make test` compiles them too; a bare `pytest`
    in a fresh clone would otherwise run with none, all pages in English)."""
    compile_stale()


@pytest.fixture(scope="session")
def postgres_url():
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    drop_app(app)


@pytest.fixture
def sqlite_app(tmp_path):
    """For tests where the database does not matter (browser, PDF)."""
    app = make_app(f"sqlite:///{tmp_path / 'test.sqlite'}", tmp_path)
    yield app
    drop_app(app)


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """The app exactly as deployed: CSRF checks on."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    yield app
    drop_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def leader(ctx):
    return add_user("leader@example.com", "Lee Leader")


@pytest.fixture
def other_leader(ctx):
    return add_user("other@example.com", "Otto Other")


@pytest.fixture
def coach(ctx):
    return add_user("coach@example.com", "Cora Coach")


@pytest.fixture
def draft_round(leader):
    return round_services.create_round(
        leader,
        title="Spring round",
        why="To share what we learn about community health.",
        success_measures="More replies from practitioners.",
        platforms=["LinkedIn", "Bluesky"],
        closes_on=date.today() + timedelta(days=14),
        anonymity_threshold=3,
    )


@pytest.fixture
def open_round(draft_round):
    """An open round with invitations: 4 colleagues, 3 staff, 3 followers, 1 other.

    Three followers, the threshold: a group with an open link (tests add one for followers)
    has no personal invitations or at least the threshold (anonymity.open_link_mix_is_small)."""
    lines = "\n".join(
        [f"colleague{i}@example.org, colleague" for i in range(4)]
        + [f"staff{i}@example.org, staff" for i in range(3)]
        + [f"follower{i}@example.org, follower" for i in range(3)]
        + ["other0@example.org, other"]
    )
    draft_round.tokens = invite(draft_round, lines)
    round_services.open_round(draft_round)
    return draft_round


# Browser tests: one live server and one Chromium per test module.


@pytest.fixture(scope="module")
def live_app(request, tmp_path_factory):
    """The app exactly as deployed (CSRF checks on, any host name) on SQLite; a module may add
    settings in LIVE_APP_CONFIG."""
    path = tmp_path_factory.mktemp("browser")
    extra = getattr(request.module, "LIVE_APP_CONFIG", {})
    app = make_app(
        f"sqlite:///{path / 'browser.sqlite'}",
        path,
        SERVER_NAME=None,
        WTF_CSRF_ENABLED=True,
        **extra,
    )
    yield app
    drop_app(app)


@pytest.fixture(scope="module")
def base_url(live_app):
    with serve(live_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (no browser downloads): apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=15_000
        )
        yield chromium
        chromium.close()
