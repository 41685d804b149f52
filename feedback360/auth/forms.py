from __future__ import annotations

from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..forms import Form
from ..forms import email_field
from ..text import clean_line


class EmailOnlyForm(Form):
    """Registering and asking for a reset link both start with an address we email."""

    email = email_field()


def password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Choose a password."),
            Length(min=10, max=200, message="Use at least 10 characters."),
        ],
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", message="The two passwords do not match.")],
    )


class NewPasswordForm(Form):
    password = password_field("New password")
    confirm = confirm_field()


class FinishRegistrationForm(Form):
    name = StringField(
        "Your name",
        validators=[InputRequired("Enter your name."), Length(max=120)],
        filters=[clean_line],
    )
    password = password_field("Password")
    confirm = confirm_field()


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=200)]
    )
