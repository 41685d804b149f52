"""The forms of a round's follow-up pages (issue 18): the word back and the pulse's dates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import ValidationError

from ..forms import Form
from ..word_back import check_word_back


def word_back_is_sendable(form, field) -> None:
    """The service's own check (`word_back.check_word_back`), said at the field."""
    _cleaned, errors = check_word_back(field.data)
    if errors:
        raise ValidationError(errors[0])


class WordBackForm(Form):
    text = TextAreaField(
        _l("Your message"),
        render_kw={"rows": 14},
        validators=[word_back_is_sendable],
        description=_l(
            "Say in general terms what you heard and what you will do. Quote no one: a "
            "comment could point to the person who wrote it."
        ),
    )


class PulseDatesForm(Form):
    opens_on = DateField(
        _l("The follow-up opens on"),
        validators=[InputRequired(_l("Choose the day the follow-up opens."))],
        description=_l("Six to twelve weeks after the round closed gives a change time to show."),
    )
    closes_on = DateField(
        _l("It closes after"),
        validators=[InputRequired(_l("Choose the day the follow-up closes."))],
        description=_l("Two weeks is usually enough for a survey this short."),
    )

    def validate_closes_on(self, field) -> None:
        if self.opens_on.data and field.data and field.data <= self.opens_on.data:
            raise ValidationError(_l("The follow-up must close after the day it opens."))
