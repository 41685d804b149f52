"""Form pieces shared by the blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length

from .text import clean_line


def normalise_email(value: str | None) -> str:
    return clean_line(value).lower()


def email_field(label: str = "Email", **kwargs) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired("Enter an email address."),
            Length(max=254, message="That email address is too long."),
            Email("Enter an email address like name@example.com."),
        ],
        filters=[normalise_email],
        **kwargs,
    )


class ActionForm(FlaskForm):
    """A form with no fields: a button that changes state still needs a CSRF token."""
