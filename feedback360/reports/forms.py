"""The coach's debrief note: the one thing a coach writes about a round, and whether the leader
may read it."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import ValidationError

from ..forms import Form
from ..i18n import local_number
from ..models import MAX_DEBRIEF_NOTE_LENGTH
from ..text import clean_text


class NoteLength(Length):
    """`Length`, and its message in the reader's language with their thousands separator
    (3,000 / 3 000 / 3.000): WTForms fills `%(max)d` in itself, without separators."""

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(
                _(
                    "Please keep the note under %(max)s characters (it is %(length)s now). "
                    "Your text is still here to shorten.",
                    max=local_number(self.max),
                    length=local_number(length),
                )
            )


class DebriefNoteForm(Form):
    note = TextAreaField(
        _l("Your debrief note"),
        filters=[clean_text],
        validators=[NoteLength(max=MAX_DEBRIEF_NOTE_LENGTH)],
    )
    shared = BooleanField(_l("Share this note with the leader"))
