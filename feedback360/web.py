"""Cross-cutting web concerns: security headers, friendly error pages, template helpers."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import render_template
from flask import request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import BadHost
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from . import anonymity
from .extensions import db
from .extensions import limiter
from .forms import field_aria
from .wording import N_

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' {inline_style}; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STYLESHEET = "app.css"


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2**31-1, so an absurd number is a 404, not a DB error."""

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


class RedactLinkTokens(logging.Filter):
    """Logs must not carry link tokens. A survey token would tie a link to a visit time; a
    password-reset or sign-up token would let anyone who reads the log use the link."""

    PATH = re.compile(r"/(s|reset-password|register)/(?!thanks\b)[A-Za-z0-9_\-.]+")
    # The survey's language switch (`?lang=es`): a log line must not say which language an
    # answer was sent in, next to the time it came.
    LANGUAGE = re.compile(r"[?&]lang=[^&\s\"#]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.LANGUAGE.sub("", self.PATH.sub(r"/\1/[redacted]", message))
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RedactRateLimitKeys(logging.Filter):
    """Flask-Limiter logs each breach with its key, the client's address, at INFO: for the
    survey, an address next to the time of an answer. The address is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("ratelimit ") and len(record.args or ()) == 3:
            limit, _, endpoint = record.args
            record.args = (limit, "a client", endpoint)
        return True


def _redact_logs(app: Flask) -> None:
    """The access log (werkzeug), the app's own log, which names the path of an error, and the
    rate limiter's."""
    for logger, redaction in (
        (logging.getLogger("werkzeug"), RedactLinkTokens),
        (app.logger, RedactLinkTokens),
        (logging.getLogger("flask-limiter"), RedactRateLimitKeys),
    ):
        if not any(isinstance(f, redaction) for f in logger.filters):
            logger.addFilter(redaction())


RESPONDENT_BLUEPRINTS = frozenset({"survey"})


def on_respondent_route() -> bool:
    """Whether this code runs for a respondent's request (a survey page, its submit)."""
    return has_request_context() and request.blueprint in RESPONDENT_BLUEPRINTS


def _exception_chain(error: BaseException | None):
    """The exception and what caused it, outermost first, as Python's traceback walks it."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def safe_exception_summary(error: BaseException | None) -> str:
    """Where an exception came from, without a word of what it says.

    An exception's message may quote what the respondent sent: a database error names the
    statement's parameters, PostgreSQL adds a DETAIL line with a failing row or key. What is
    left are the exception types and the lines of code they passed through.
    """
    lines = []
    for link in reversed(list(_exception_chain(error))):
        if lines:
            lines.append("which caused (message left out):")
        else:
            lines.append("Traceback (most recent call last, messages left out):")
        for frame in traceback.extract_tb(link.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        kind = type(link)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
    return "\n".join(lines)


class KeepAnswersOutOfLogs(logging.Filter):
    """On a respondent's route, a logged exception keeps its types and lines of code only.

    Flask logs an unhandled exception with its traceback; the message of a database error holds
    the answers, comments and ids the failing statement carried. Other log lines of these routes
    carry none (SQL parameters are hidden by the engine, rows by `HideResultRows`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and on_respondent_route():
            summary = safe_exception_summary(record.exc_info[1])
            record.msg, record.args = f"{record.getMessage()}\n{summary}", ()
            record.exc_info, record.exc_text = None, None
        return True


class HideResultRows(logging.Filter):
    """SQLAlchemy's engine log at DEBUG prints every row a query returns: a respondent's link
    and invitation, a comment, an email. The row count is kept, the values are not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.msg, record.args = "Row (values hidden)", ()
        return True


def _keep_answers_out_of_logs(app: Flask) -> None:
    """Loggers that may write an exception or a row during a respondent's request."""
    for logger, kind in (
        (app.logger, KeepAnswersOutOfLogs),
        (logging.getLogger("werkzeug"), KeepAnswersOutOfLogs),
        (logging.getLogger("sqlalchemy.engine.Engine"), HideResultRows),
    ):
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(
        app.config["BASE_URL"], app.config.get("SERVER_NAME"), app.config.get("TRUSTED_HOSTS")
    )
    _redact_logs(app)
    _keep_answers_out_of_logs(app)
    _inline_stylesheet(app)
    _anonymity_wording(app)
    app.after_request(_security_headers)
    app.after_request(_no_store)
    app.after_request(_strict_transport_security)
    app.after_request(_retry_after)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(BadHost, _bad_host)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(400, _error_page(400, N_("That request could not be understood.")))
    app.register_error_handler(404, _error_page(404, N_("We could not find that page.")))
    app.register_error_handler(405, _error_page(405, N_("That action is not allowed here.")))
    app.register_error_handler(
        413,
        _error_page(
            413,
            N_(
                "What you sent is too large (over 1 MB, or in too many parts). Shorten the "
                "long texts and try again."
            ),
        ),
    )
    app.register_error_handler(500, _server_error)


def _inline_stylesheet(app: Flask) -> None:
    """The stylesheet's text for pages that inline it, and the CSP hash that allows exactly it.

    Survey pages are opened once, on a phone, often on a slow connection: inlined, the page and
    its styles arrive in one request. The CSP still refuses every other inline style. Text and
    hash are read together, once, so they always match.
    """
    css = Path(app.static_folder, STYLESHEET).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = CONTENT_SECURITY_POLICY.format(inline_style=f"'sha256-{digest}'")
    app.extensions["feedback360_csp"] = policy
    app.jinja_env.globals["inline_stylesheet"] = Markup(css)


def _anonymity_wording(app: Flask) -> None:
    """Pages and mails say what the app promises about anonymity in the words of the module
    that keeps the promise, never in their own; forms tie errors to fields in one way."""
    app.jinja_env.globals["anonymity"] = anonymity
    app.jinja_env.globals["field_aria"] = field_aria


def _security_headers(response):
    """Strict defaults on every page: the app needs no script and nothing from other origins."""
    response.headers.setdefault(
        "Content-Security-Policy", current_app.extensions["feedback360_csp"]
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # No page may leak its URL (a survey token, a round id) to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
HSTS = "max-age=63072000; includeSubDomains"


def trusted_hosts(base_url: str, server_name: str | None, extra) -> list[str]:
    """The host names the app answers to: BASE_URL's, SERVER_NAME's, and any listed in
    TRUSTED_HOSTS (a list, or names separated by commas or spaces; ".example.org" allows its
    subdomains). Links the app builds from a request name its host, so another Host is refused
    rather than put into a link. A BASE_URL on this machine accepts every loopback name."""
    if isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    hosts = [urlsplit(base_url).hostname or ""]
    if server_name:
        hosts.append(urlsplit(f"//{server_name}").hostname or "")
    hosts.extend(str(name).strip().lower() for name in extra or ())
    if any(host in LOOPBACK_NAMES for host in hosts):
        hosts.extend(LOOPBACK_NAMES)
    return sorted({host for host in hosts if host})


def _strict_transport_security(response):
    """A site served over HTTPS tells browsers never to use plain HTTP for it."""
    if current_app.config["BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _no_store(response):
    """No page or file the app makes may be kept by a browser or a proxy: results, the PDF and
    the exports, a coach's views, and survey pages, which show a respondent's answers again when
    something was missing. Only the static files (the stylesheet) may be cached."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _retry_after(response):
    """A rate-limited answer says when to try again, in seconds."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        breached = limiter.current_limit
        if breached is not None:
            wait = int(breached.reset_at - time.time())
            response.headers["Retry-After"] = str(max(1, wait))
    return response


def _bad_host(error: BadHost):
    """A Host header that is not a host name: no URL can be built for it, so the usual error
    page (which links to the app's pages) cannot be made either."""
    return (
        "Bad request: that Host header is not a valid host name.",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )


def _untrusted_host(error: SecurityError):
    """A Host the site does not answer to (see trusted_hosts). Plain text, like _bad_host."""
    return (
        "Bad request: that Host header is not a valid host name for this site.",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )


def _error_page(code: int, message: str):
    """`message` is marked with N_ and translated per request, in the reader's language."""

    def handler(error):
        return render_template("error.html", code=code, message=gettext(message)), code

    return handler


def _csrf_error(error: CSRFError):
    message = gettext(
        "This form had expired or was opened in another session, so nothing was saved. "
        "Go back, reload the page and submit it again."
    )
    return render_template("error.html", code=400, message=message, path=request.path), 400


def _server_error(error):
    db.session.rollback()
    message = gettext(
        "Something went wrong on our side. Nothing you sent was half-saved; please try again."
    )
    return render_template("error.html", code=500, message=message), 500
