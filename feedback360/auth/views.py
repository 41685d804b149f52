"""Accounts: register by email, log in, log out, reset a forgotten password.

Any account can lead rounds and coach others. Coaches see rounds shared with their email address,
so an account is created only from a link sent to that address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from ..extensions import limiter
from ..forms import ActionForm
from ..mail import duration
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
        services.request_account(form.email.data)
        return render_template(
            "auth/check_email.html",
            title="Check your email",
            message=(
                f"We have sent a message to {form.email.data} to finish creating your account."
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
        user = services.register(form.name.data, email, form.password.data)
        if user is None:
            return _dead_signup_link()
        _start_session(user)
        flash(f"Welcome, {user.name}. Your account is ready.", "success")
        return redirect(url_for("rounds.dashboard"))
    return render_template("auth/finish_registration.html", form=form, email=email)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("rounds.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Wrong email or password.", "error")
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
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _reset_rate_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_rate_limit, methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template(
            "auth/check_email.html",
            title="Check your email",
            message=(
                f"If an account exists for {form.email.data}, we have sent a link to it to "
                "choose a new password. The link works once, for "
                f"{duration(current_app.config['PASSWORD_RESET_MAX_AGE'])}."
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
        flash("Your password is changed and you are logged in.", "success")
        return redirect(url_for("rounds.dashboard"))
    return render_template("auth/reset_password.html", form=form, email=user.email)


def _dead_signup_link():
    return render_template(
        "auth/dead_link.html",
        title="This sign-up link does not work",
        message=(
            "It has expired, or the account has been created with it already. If that was you, "
            "log in; otherwise ask for a new link."
        ),
        again_url=url_for("auth.register"),
        again_label="Ask for a new sign-up link",
    ), 404


def _dead_reset_link():
    return render_template(
        "auth/dead_link.html",
        title="This password reset link does not work",
        message=(
            "It has expired or has been used already: each link works once, and stops working "
            "when the password changes."
        ),
        again_url=url_for("auth.forgot_password"),
        again_label="Ask for a new reset link",
    ), 404


def _start_session(user) -> None:
    session.clear()  # a fresh session at login: nothing carried over from before
    login_user(user)


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
        "Too many login attempts from this connection. Wait a minute and try again.",
    ),
    "auth.register": (
        EmailOnlyForm,
        "auth/register.html",
        "Too many sign-ups from this connection. Wait a minute and try again.",
    ),
    "auth.forgot_password": (
        EmailOnlyForm,
        "auth/forgot_password.html",
        "Too many reset requests from this connection. Wait a minute and try again.",
    ),
}


@bp.errorhandler(429)
def too_many_attempts(error):
    """Same words whatever the email: the limit must not tell which accounts exist."""
    form_class, template, message = RATE_LIMITED[request.endpoint]
    flash(message, "error")
    return render_template(template, form=form_class()), 429
