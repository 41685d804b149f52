from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..forms import email_field
from ..text import clean_line


class RegisterForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[InputRequired("Enter your name."), Length(max=120)],
        filters=[clean_line],
    )
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Choose a password."),
            Length(min=10, max=200, message="Use at least 10 characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", message="The two passwords do not match.")],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=200)]
    )
