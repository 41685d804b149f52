"""feedback360: anonymous 360 feedback on how a leader shows up online."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import storage
from .extensions import csrf
from .extensions import db
from .extensions import limiter
from .extensions import login_manager
from .keys import check_secret_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` may carry INSTANCE_PATH to keep tests out of `instance/`."""
    test_config = dict(test_config or {})
    instance_path = Path(
        test_config.pop("INSTANCE_PATH", None)
        or os.environ.get("FEEDBACK360_INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    storage.private_folder(instance_path)

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance_path / 'feedback360.sqlite'}",
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # None: send the session cookie over HTTPS only when BASE_URL is https (set below).
        SESSION_COOKIE_SECURE=None,
        PREFERRED_URL_SCHEME="http",
        DEFAULT_ANONYMITY_THRESHOLD=3,
        REPORT_COMMENTS_PER_KEY=8,
        # Comments of a group are shown only from this many respondents (never below the
        # round's own threshold): words can be recognised where numbers cannot.
        REPORT_COMMENT_THRESHOLD=5,
        BASE_URL="http://127.0.0.1:5000",
        MAIL_SERVER=None,
        MAIL_PORT=25,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_TIMEOUT=10,
        MAIL_DEFAULT_SENDER="feedback360@localhost",
        MAIL_SENDER_NAME="feedback360",
        # Survey submits per client address (Flask-Limiter syntax). Generous, because people at
        # one event or office share an address; counters live in memory per process unless
        # RATELIMIT_STORAGE_URI names shared storage such as redis://127.0.0.1:6379.
        SURVEY_RATE_LIMIT="20 per minute;200 per hour",
        LOGIN_RATE_LIMIT="10 per minute;50 per hour",
        # Login attempts per email address, from browsers that have not logged in to it before
        # (each browser that has gets its own count): see `auth.views.login`.
        LOGIN_ACCOUNT_RATE_LIMIT="5 per minute;30 per hour",
        KNOWN_BROWSER_MAX_AGE=365 * 24 * 3600,
        # New password hashes (Werkzeug's method syntax); others are upgraded at the next login.
        PASSWORD_HASH_METHOD="scrypt:32768:8:1",
        # Requests that email an address someone typed: a reset link, or a sign-up link.
        RESET_RATE_LIMIT="5 per minute;20 per hour",
        REGISTER_RATE_LIMIT="5 per minute;20 per hour",
        # How long emailed links work, in seconds: a password reset, finishing a sign-up.
        PASSWORD_RESET_MAX_AGE=3600,
        SIGNUP_LINK_MAX_AGE=24 * 3600,
        # Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto (0: none).
        PROXY_FIX_X_FOR=0,
        # Flask-WTF's strict HTTPS check wants a same-site Referer on every post, but every page
        # sends `Referrer-Policy: no-referrer` (a survey URL holds its token), so browsers send
        # none. The session-bound CSRF token and SameSite=Lax cookies guard forms without it.
        WTF_CSRF_SSL_STRICT=False,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        # No X-RateLimit-* headers: each costs the shared storage two more round trips per
        # request, for figures no browser reads. A 429 still says when to retry (`web`).
        RATELIMIT_HEADERS_ENABLED=False,
        # If the shared storage is down, log it and let answers through rather than lose them.
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    app.config.from_prefixed_env()
    app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    _private_sqlite_database(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance_path)
    check_secret_keys(app.config)

    if int(app.config["PROXY_FIX_X_FOR"]):
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    if app.config.get("MIGRATIONS") or click.get_current_context(silent=True) is not None:
        init_migrations(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from . import models
    from . import web

    app.url_map.converters["id"] = web.IdConverter

    login_manager.user_loader(models.load_user)

    from .account.views import bp as account_bp
    from .auth.views import bp as auth_bp
    from .reports.views import bp as reports_bp
    from .rounds.views import bp as rounds_bp
    from .survey.views import bp as survey_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(account_bp)

    from . import cli

    web.init_app(app)
    cli.init_app(app)
    return app


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate, for `flask db ...` and code that runs migrations.

    Alembic is only needed there, and importing it costs each web worker and each report build
    about 10 MB, so `create_app` binds it only when the `flask` command creates the app (or the
    config says MIGRATIONS=True).
    """
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _private_sqlite_database(url: str) -> None:
    """Create a SQLite database file owner-only before SQLite does (see storage)."""
    try:
        path = storage.sqlite_path(make_url(url))
    except (storage.StorageError, ArgumentError):
        return
    if path is not None:
        storage.private_sqlite_file(path)


def _instance_secret_key(instance_path: Path) -> str:
    """Generate the secret key once and keep it in instance/, readable by the owner only.

    Several processes may start together on a fresh instance (gunicorn and the mail sender):
    the key is written to a private temporary file and linked into place, which fails if another
    process got there first, so nobody ever reads a half-written or second key.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, overwrite deleted text, let readers and a writer coexist."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
