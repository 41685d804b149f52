"""The app's settings: every default with the reason for it, and where overrides come from.

Every setting below is overridden by an environment variable named `FLASK_<SETTING>` (Flask's
`from_prefixed_env`; values are parsed as JSON where they parse, so `FLASK_MAIL_PORT=587`,
`FLASK_MAIL_USE_TLS=true`). Two exceptions are read too, before the `FLASK_` ones, which win:

- `DATABASE_URL` sets `SQLALCHEMY_DATABASE_URI`: the name hosting platforms set for you.
- `RATELIMIT_STORAGE_URI` sets itself: Flask-Limiter's own name, which deployments already use.

`FEEDBACK360_INSTANCE_PATH` (the instance folder) is not a setting: it is read before the app
exists (`instance_path`). Tests pass overrides as `test_config`, applied last.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any
from typing import NamedTuple

from flask import Flask

from . import storage
from .keys import check_secret_keys


class Setting(NamedTuple):
    default: Any
    reason: str


MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR

DEFAULTS: dict[str, Setting] = {
    # Storage and keys
    "SQLALCHEMY_DATABASE_URI": Setting(
        None, "None: feedback360.sqlite in the instance folder, nothing to install for one leader"
    ),
    "SECRET_KEY": Setting(
        None, "None: generated once into instance/secret_key (owner-only), safe with no setting"
    ),
    "SECRET_KEY_FALLBACKS": Setting(
        None, "keys SECRET_KEY replaced, still accepted while their links live (see keys)"
    ),
    "MIGRATIONS": Setting(
        False, "bind Flask-Migrate outside `flask`: Alembic costs every web worker about 10 MB"
    ),
    # The site and its cookies
    "BASE_URL": Setting(
        "http://127.0.0.1:5000", "the address in mailed links; `make run` serves it locally"
    ),
    "TRUSTED_HOSTS": Setting(
        None, "None: answer only to BASE_URL's and SERVER_NAME's host names (web.trusted_hosts)"
    ),
    "PROXY_FIX_X_FOR": Setting(
        0, "proxies that set X-Forwarded-For/-Proto; 0 trusts none, so no client can forge them"
    ),
    "PREFERRED_URL_SCHEME": Setting(
        "http", "Flask's own, stated: links outside a request (mail) use BASE_URL instead"
    ),
    "MAX_CONTENT_LENGTH": Setting(
        1024 * 1024, "a full survey is a few kB; larger bodies are refused before parsing"
    ),
    "SESSION_COOKIE_SAMESITE": Setting(
        "Lax", "no session cookie on posts from other sites: a second guard besides CSRF tokens"
    ),
    "SESSION_COOKIE_HTTPONLY": Setting(True, "no script on a page can read the session"),
    "SESSION_COOKIE_SECURE": Setting(
        None, "None: HTTPS-only exactly when BASE_URL is https (decided in load_config)"
    ),
    "WTF_CSRF_SSL_STRICT": Setting(
        False,
        "pages send `Referrer-Policy: no-referrer` (a survey URL holds its token), so browsers "
        "send no Referer to check; the session-bound token and SameSite cookies guard forms",
    ),
    # Anonymity and the report
    "DEFAULT_ANONYMITY_THRESHOLD": Setting(
        3, "the smallest group a new round shows alone; never below anonymity.MIN_THRESHOLD"
    ),
    "REPORT_COMMENT_THRESHOLD": Setting(
        5,
        "respondents before a group's comments show: words can be recognised where numbers "
        "cannot (never below the round's threshold)",
    ),
    "REPORT_COMMENTS_PER_KEY": Setting(
        8,
        "the most specific comments per dimension in the PDF: enough to learn from, few "
        "enough to read",
    ),
    # Reminders
    "REMIND_AFTER_DAYS": Setting(
        3,
        "days after a round's first invitations go out before Remind is offered: people read "
        "mail over a few days, and a reminder before they could answer only nags",
    ),
    # Rate limits (Flask-Limiter syntax) and account links
    "SURVEY_RATE_LIMIT": Setting(
        "20 per minute;200 per hour",
        "survey submits per client address; generous, as people at one office share an address",
    ),
    "LOGIN_RATE_LIMIT": Setting("10 per minute;50 per hour", "login attempts per client address"),
    "LOGIN_ACCOUNT_RATE_LIMIT": Setting(
        "5 per minute;30 per hour",
        "login attempts per email address from browsers new to it (each known browser counts "
        "on its own: see auth.views.login), so guessing from many addresses is slow too",
    ),
    "KNOWN_BROWSER_MAX_AGE": Setting(
        365 * DAY, "how long a browser that logged in keeps its own login count: a year of use"
    ),
    "RESET_RATE_LIMIT": Setting(
        "5 per minute;20 per hour", "password-reset requests per client: each emails an address"
    ),
    "REGISTER_RATE_LIMIT": Setting(
        "5 per minute;20 per hour", "sign-up requests per client: each emails an address"
    ),
    "PASSWORD_RESET_MAX_AGE": Setting(
        HOUR, "seconds a reset link works: long enough to read the mail, short if it leaks"
    ),
    "SIGNUP_LINK_MAX_AGE": Setting(
        DAY, "seconds a sign-up link works: a day, as nothing is at stake before the account"
    ),
    "PASSWORD_HASH_METHOD": Setting(
        "scrypt:32768:8:1", "new password hashes (Werkzeug syntax); others upgrade at next login"
    ),
    "RATELIMIT_ENABLED": Setting(True, "on; only tests and benchmarks turn it off"),
    "RATELIMIT_STORAGE_URI": Setting(
        "memory://",
        "counters in this process: enough for one worker; several need shared storage such as "
        "redis://127.0.0.1:6379, and gunicorn refuses to start them without it",
    ),
    "RATELIMIT_HEADERS_ENABLED": Setting(
        False, "no X-RateLimit-* headers: two storage round trips per request, read by no browser"
    ),
    "RATELIMIT_SWALLOW_ERRORS": Setting(
        True, "if the shared storage is down, log it and let answers through rather than lose them"
    ),
    # Mail (see mail.py)
    "MAIL_SERVER": Setting(
        None, "None: messages go to instance/outbox/*.eml, so a demo mails no one"
    ),
    "MAIL_PORT": Setting(25, "plain SMTP, as a local relay speaks it"),
    "MAIL_USE_TLS": Setting(False, "STARTTLS; a local relay on port 25 often has none"),
    "MAIL_USE_SSL": Setting(False, "implicit TLS (port 465), for servers that want it"),
    "MAIL_USERNAME": Setting(None, "no login: a local relay needs none"),
    "MAIL_PASSWORD": Setting(None, "no login: a local relay needs none"),
    "MAIL_TIMEOUT": Setting(10, "seconds before a silent server counts as a failure to retry"),
    "MAIL_DEFAULT_SENDER": Setting(
        "feedback360@localhost", "an address a local relay accepts; set your own for a real one"
    ),
    "MAIL_SENDER_NAME": Setting("feedback360", "the name people see the mail come from"),
}

# Read from the environment under their own names (see the module docstring): setting <- variable.
UNPREFIXED_VARIABLES = {
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
}


def instance_path(test_config: dict, project_root: Path) -> Path:
    """The instance folder: INSTANCE_PATH in `test_config` (taken out of it), then
    FEEDBACK360_INSTANCE_PATH, then `instance/` in the project."""
    return Path(
        test_config.pop("INSTANCE_PATH", None)
        or os.environ.get("FEEDBACK360_INSTANCE_PATH")
        or project_root / "instance"
    )


def load_config(app: Flask, test_config: dict) -> None:
    """Defaults, then the unprefixed variables, then `FLASK_*`, then `test_config`; then the
    values derived from them, and the secret key checked."""
    instance = Path(app.instance_path)
    app.config.from_mapping({name: setting.default for name, setting in DEFAULTS.items()})
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'feedback360.sqlite'}"
    for setting, variable in UNPREFIXED_VARIABLES.items():
        if os.environ.get(variable):
            app.config[setting] = os.environ[variable]
    app.config.from_prefixed_env()
    app.config.update(test_config)

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    storage.private_sqlite_database(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    check_secret_keys(app.config)


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: Path) -> str:
    """Generate the secret key once and keep it in instance/, readable by the owner only.

    Several processes may start together on a fresh instance (gunicorn and the mail sender):
    the key is written to a private temporary file and linked into place, which fails if another
    process got there first, so nobody ever reads a half-written or second key.
    """
    key_file = instance / "secret_key"
    if not key_file.exists():
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()
