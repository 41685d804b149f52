"""Accounts: register, log in, log out. Any account can lead rounds and coach others."""

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
from . import services
from .forms import LoginForm
from .forms import RegisterForm

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("rounds.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = services.register(form.name.data, form.email.data, form.password.data)
        if user is None:
            form.email.errors.append("An account with this email already exists. Log in instead.")
        else:
            _start_session(user)
            flash(f"Welcome, {user.name}. Your account is ready.", "success")
            return redirect(url_for("rounds.dashboard"))
    return render_template("auth/register.html", form=form)


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
    if "\\" in target:
        return None
    return target


@bp.errorhandler(429)
def too_many_attempts(error):
    """Same words whatever the email: the limit must not tell which accounts exist."""
    form = LoginForm()
    flash("Too many login attempts from this connection. Wait a minute and try again.", "error")
    return render_template("auth/login.html", form=form), 429
