"""The coach's debrief note: the one thing a coach writes about a round, and whether the leader
may read it."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms import TextAreaField
from wtforms.validators import Length

from ..forms import Form
from ..models import MAX_DEBRIEF_NOTE_LENGTH
from ..text import clean_text


class DebriefNoteForm(Form):
    note = TextAreaField(
        "Your debrief note",
        filters=[clean_text],
        validators=[
            Length(
                max=MAX_DEBRIEF_NOTE_LENGTH,
                message=(
                    f"Please keep the note under {MAX_DEBRIEF_NOTE_LENGTH:,} characters "
                    "(it is %(length)d now). Your text is still here to shorten."
                ),
            )
        ],
    )
    shared = BooleanField("Share this note with the leader")
