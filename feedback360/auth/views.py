"""Accounts: register by email, log in, log out, reset a forgotten password.

Any account can lead rounds and coach others. Coaches see rounds shared with their email address,
so an account is created only from a link sent to that address.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from babel.units import format_unit
from flask import Blueprint
from flask import after_this_request
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from ..extensions import limiter
from ..forms import ActionForm
from ..forms import normalise_email
from ..i18n import current_language
from ..keys import secret_keys
from ..tokens import known_browser_token
from ..tokens import login_account_key
from ..tokens import read_known_browser_token
from . import services
from .forms import EmailOnlyForm
from .forms import FinishRegistrationForm
from .forms import LoginForm
from .forms import NewPasswordForm

bp = Blueprint("auth", __name__)


def _register_rate_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_rate_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("rounds.dashboard"))
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_account(form.email.data, current_language())
        return render_template(
            "auth/check_email.html",
            title=_("Check your email"),
            message=_(
                "We have sent a message to %(email)s to finish creating your account.",
                email=form.email.data,
            ),
        )
    return render_template("auth/register.html", form=form)


@bp.route("/register/<signup_token>", methods=["GET", "POST"])
def finish_registration(signup_token: str):
    email = services.email_for_signup_token(signup_token)
    if email is None:
        return _dead_signup_link()
    form = FinishRegistrationForm()
    if form.validate_on_submit():
        user = services.register(form.name.data, email, form.password.data, current_language())
        if user is None:
            return _dead_signup_link()
        _start_session(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("rounds.dashboard"))
    return render_template("auth/finish_registration.html", form=form, email=email)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_rate_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


KNOWN_BROWSER_COOKIE = "known_browser"


def _login_account_key() -> str:
    """What a login attempt counts against besides its client: the address typed, or, from a
    browser that has logged in to that address before, that browser alone (see `login`)."""
    keys = secret_keys()  # a cookie from before a key rotation still counts
    email = normalise_email(request.form.get("email"))
    account_key = login_account_key(keys[0], email)
    known = read_known_browser_token(
        keys,
        request.cookies.get(KNOWN_BROWSER_COOKIE, ""),
        current_app.config["KNOWN_BROWSER_MAX_AGE"],
    )
    if known is not None and any(
        hmac.compare_digest(known.account_key, login_account_key(key, email)) for key in keys
    ):
        return f"login-browser:{known.nonce}"
    return f"login-account:{account_key}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@limiter.limit(_login_account_rate_limit, key_func=_login_account_key, methods=["POST"])
def login():
    """Log in. Every attempt counts twice: per client address (LOGIN_RATE_LIMIT) and per account
    (LOGIN_ACCOUNT_RATE_LIMIT), so guesses spread over many addresses are slowed too.

    The per-account count cannot lock the real user out: a browser that has logged in to an
    account holds a signed cookie saying so (`_remember_browser`), and its attempts count under
    that browser alone, which nobody else can add to. A browser new to the account, while someone
    is guessing, waits for the window to pass or logs in through a password-reset email, which
    no login limit blocks. The count is kept for any address typed, with or without an account,
    and the answer is the same either way, so the limit tells nobody which addresses have
    accounts.
    """
    if current_user.is_authenticated:
        return redirect(url_for("rounds.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password."), "error")
        else:
            _start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("rounds.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _reset_rate_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_rate_limit, methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, current_language())
        return render_template(
            "auth/check_email.html",
            title=_("Check your email"),
            message=_(
                "If an account exists for %(email)s, we have sent a link to it to choose a new "
                "password. The link works once, for %(duration)s.",
                email=form.email.data,
                duration=local_duration(current_app.config["PASSWORD_RESET_MAX_AGE"]),
            ),
        )
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<reset_token>", methods=["GET", "POST"])
def reset_password(reset_token: str):
    user = services.user_for_reset_token(reset_token)
    if user is None:
        return _dead_reset_link()
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not services.reset_password(user, form.password.data):
            return _dead_reset_link()
        _start_session(user)
        flash(_("Your password is changed and you are logged in."), "success")
        return redirect(url_for("rounds.dashboard"))
    return render_template("auth/reset_password.html", form=form, email=user.email)


def local_duration(seconds: int) -> str:
    """A link's lifetime in the page's language, in the largest whole unit: "1 hour",
    "10 Minuten"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return format_unit(seconds // size, f"duration-{unit}", locale=get_locale())
    return format_unit(seconds, "duration-second", locale=get_locale())


def _dead_signup_link():
    return render_template(
        "auth/dead_link.html",
        title=_("This sign-up link does not work"),
        message=_(
            "It has expired, or the account has been created with it already. If that was you, "
            "log in; otherwise ask for a new link."
        ),
        again_url=url_for("auth.register"),
        again_label=_("Ask for a new sign-up link"),
    ), 404


def _dead_reset_link():
    return render_template(
        "auth/dead_link.html",
        title=_("This password reset link does not work"),
        message=_(
            "It has expired or has been used already: each link works once, and stops working "
            "when the password changes."
        ),
        again_url=url_for("auth.forgot_password"),
        again_label=_("Ask for a new reset link"),
    ), 404


def _start_session(user) -> None:
    session.clear()  # a fresh session at login: nothing carried over from before
    login_user(user)
    _remember_browser(user.email)


def _remember_browser(email: str) -> None:
    """Mark this browser as one that logged in to the account (by password, or by reading its
    email), so failed logins by others never stop it logging in again.

    The cookie holds a signed HMAC of the address and a random nonce, and goes only to the
    login page (its path), never with a survey request.
    """
    secret_key = current_app.config["SECRET_KEY"]
    token = known_browser_token(secret_key, login_account_key(secret_key, email))

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            KNOWN_BROWSER_COOKIE,
            token,
            max_age=current_app.config["KNOWN_BROWSER_MAX_AGE"],
            path=url_for("auth.login"),
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def safe_next(target: str | None) -> str | None:
    """Only follow `next=` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(char < " " or char == "\x7f" for char in target):
        return None  # a backslash or a control character: browsers and headers read them oddly
    return target


RATE_LIMITED = {
    "auth.login": (
        LoginForm,
        "auth/login.html",
        _l(
            "Too many login attempts from this connection or for this email address. Wait a "
            "minute and try again, or reset your password by email."
        ),
    ),
    "auth.register": (
        EmailOnlyForm,
        "auth/register.html",
        _l("Too many sign-ups from this connection. Wait a minute and try again."),
    ),
    "auth.forgot_password": (
        EmailOnlyForm,
        "auth/forgot_password.html",
        _l("Too many reset requests from this connection. Wait a minute and try again."),
    ),
}


@bp.errorhandler(429)
def too_many_attempts(error):
    """Same words whatever the email: the limit must not tell which accounts exist."""
    form_class, template, message = RATE_LIMITED[request.endpoint]
    flash(str(message), "error")  # the session stores text, not a lazy string
    return render_template(template, form=form_class()), 429
