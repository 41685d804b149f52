from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..forms import Form
from ..language_choice import language_choices

BROWSER_LANGUAGE = ""  # the choice that clears User.language


class DeleteAccountForm(Form):
    """The password, not just a click: a session left open on a shared computer is not enough."""

    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password to confirm.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(Form):
    """The interface language: the user's pages, their mail and their copy of the PDF."""

    language = SelectField(
        _l("Interface language"),
        choices=[SelectChoice(BROWSER_LANGUAGE, _l("As my browser asks (mail and PDF in English)"))]
        + [SelectChoice(code, name) for code, name in language_choices()],
        description=_l("Your pages, the mail feedback360 sends you and your copy of the report."),
    )
