"""Account operations. Passwords are hashed with Werkzeug's scrypt (`PASSWORD_HASH_METHOD`).

A hash made by an older scheme (another method, or other parameters) is redone in the current
one at the account's next successful login, when the password is at hand (`authenticate`).

Registering and asking for a password reset both answer the same whatever the address, and do
the same work: one lookup and one queued email, whose kind depends on whether an account exists.
So neither the page nor its timing tells a visitor which addresses have accounts.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..keys import secret_keys
from ..models import ACCOUNT_MAIL_KINDS
from ..models import OutboxMessage
from ..models import User
from ..outbox import enqueue
from ..outbox import now as outbox_now
from ..tokens import fingerprint_matches
from ..tokens import password_fingerprint
from ..tokens import read_password_reset_token
from ..tokens import read_signup_token


def hash_password(password: str) -> str:
    """A new hash in the current scheme."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def current_password_method() -> str:
    """The current scheme as a stored hash spells it before its first `$`, parameters included
    (`scrypt:32768:8:1`): a hash that starts otherwise is upgraded at the next login."""
    return _stored_method(current_app.config["PASSWORD_HASH_METHOD"])


def needs_rehash(password_hash: str) -> bool:
    return password_hash.split("$", 1)[0] != current_password_method()


@cache
def _stored_method(method: str) -> str:
    """Werkzeug fills in defaults ("scrypt" becomes "scrypt:32768:8:1"): ask it, once."""
    return generate_password_hash("", method=method).split("$", 1)[0]


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when no account matches, so a wrong email costs as long as a wrong
    password. Made on first use: a scrypt hash briefly takes 32 MB, which processes that never
    check a password (the mail sender, the CLI, a report build) need not pay."""
    return generate_password_hash("not-a-real-password", method=method)


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# Account mail to one address, at most this many in this window, whoever asks: the per-client
# rate limits stop one sender, this stops many senders flooding one inbox.
ACCOUNT_MAIL_PER_ADDRESS = 3
ACCOUNT_MAIL_WINDOW = timedelta(minutes=30)


def _inbox_is_full(email: str) -> bool:
    """True once the address was sent its share of account mail; the page says the same."""
    recent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.to_address == email,
            OutboxMessage.kind.in_(ACCOUNT_MAIL_KINDS),
            OutboxMessage.created_at > outbox_now() - ACCOUNT_MAIL_WINDOW,
        )
    )
    return recent >= ACCOUNT_MAIL_PER_ADDRESS


def _queue_account_mail(
    email: str, without_account: str, with_account: str, language: str | None
) -> None:
    """Queue one kind of mail if the address has no account, the other if it has: the same work
    either way, and nothing once the inbox has had its share. `language`: the asking page's,
    for an address without an account (one with an account gets mail in its own)."""
    user = _user_by_email(email)
    if _inbox_is_full(email):
        return
    if user is None:
        enqueue(without_account, email, language=language)
    else:
        enqueue(with_account, email, user_id=user.id, language=language)
    db.session.commit()


def request_account(email: str, language: str | None = None) -> None:
    """Email a link to finish signing up, or, if the address has an account, a note saying so."""
    _queue_account_mail(email, "signup", "signup_taken", language)


def email_for_signup_token(token: str) -> str | None:
    """The address a working sign-up link was sent to; None once the account exists."""
    email = read_signup_token(secret_keys(), token, current_app.config["SIGNUP_LINK_MAX_AGE"])
    if email is None or _user_by_email(email) is not None:
        return None
    return email


def register(name: str, email: str, password: str, language: str | None = None) -> User | None:
    """Create the account, or return None when the email is taken. `language`: the one the
    sign-up pages were in, the account's interface language until its owner picks another."""
    user = User(name=name, email=email, password_hash=hash_password(password), language=language)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None; an older hash is upgraded on the way.

    Upgrading changes the password hash, and with it the fingerprint that sessions and reset
    links carry (`tokens`): the user's other sessions are logged out and unused reset links
    stop working, once per account. The caller logs the user in after this returns, so the
    session it starts carries the new fingerprint.
    """
    user = _user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash) and not _replace_hash(user, hash_password(password)):
        # Another request changed the hash meanwhile: a reset, or a login that upgraded it.
        return user if check_password_hash(user.password_hash, password) else None
    return user


def _replace_hash(user: User, new_hash: str) -> bool:
    """Store `new_hash` unless another request changed the hash first (then theirs stands and
    `user` is refreshed to it), so two logins at once agree on one hash."""
    replaced = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_hash=new_hash)
    )
    db.session.commit()
    db.session.refresh(user)
    return replaced.rowcount == 1


def request_password_reset(email: str, language: str | None = None) -> None:
    """Email a reset link, or, if the address has no account, a note saying so."""
    _queue_account_mail(email, "reset_no_account", "password_reset", language)


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link is for, while it is fresh and their password is unchanged."""
    keys = secret_keys()
    claim = read_password_reset_token(keys, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if claim is None:
        return None
    user = db.session.get(User, claim.user_id)
    if user is None:
        return None
    fresh = fingerprint_matches(keys, password_fingerprint, user.password_hash, claim.fingerprint)
    return user if fresh else None


def reset_password(user: User, password: str) -> bool:
    """Set a new password unless another request changed it first, so each link works once."""
    return _replace_hash(user, hash_password(password))
