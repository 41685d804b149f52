"""Deleting an account and everything that belongs to it."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy import update
from werkzeug.security import check_password_hash

from .. import storage
from ..extensions import db
from ..models import CoachShare
from ..models import User


def set_language(user: User, language: str | None) -> None:
    """The user's interface language (a supported code, checked by the form), or None for their
    browser's."""
    user.language = language or None
    db.session.commit()


def delete_account(user: User, password: str) -> bool:
    """Delete the user and, through ON DELETE CASCADE, their rounds with everything in them and
    any mail queued for them; False, and nothing deleted, when the password is wrong.

    Rounds of other leaders shared with this user's email are left alone: they belong to those
    leaders, who can stop sharing. Without the account nobody can log in to see them. Only the
    debrief notes this user wrote as their coach are emptied, since those words are theirs.
    """
    if not check_password_hash(user.password_hash, password):
        return False
    db.session.execute(
        update(CoachShare).where(CoachShare.coach_email == user.email).values(debrief_note="")
    )
    db.session.execute(delete(User).where(User.id == user.id))
    db.session.commit()
    storage.forget_deleted_pages(db.engine)
    return True
