from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..forms import Form


class DeleteAccountForm(Form):
    """The password, not just a click: a session left open on a shared computer is not enough."""

    password = PasswordField(
        "Your password",
        validators=[InputRequired("Enter your password to confirm."), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
