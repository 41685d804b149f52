from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
            InputRequired(_l("Choose a password.")),
            Length(min=10, max=200, message=_l("Use at least 10 characters.")),
        ],
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords do not match."))],
    )


class NewPasswordForm(Form):
    password = password_field(_l("New password"))
    confirm = confirm_field()


class FinishRegistrationForm(Form):
    # Length's message is WTForms' own, translated by its catalogs (config: WTF_I18N_ENABLED).
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name.")), Length(max=120)],
        filters=[clean_line],
    )
    password = password_field(_l("Password"))
    confirm = confirm_field()


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=200)]
    )
