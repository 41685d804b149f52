"""The pure modules' words for a pulse's comparison, in the reader's language: the readings
of `pulse_compare`, the change answers of `pulse`, the history's label for a pulse. Shared by
the pulse's page and PDF (`pulse_context`) and the focus history in a round's report."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import pulse_compare
from ..pulse import CANT_SAY


def reading_text(reading: str) -> str:
    """`pulse_compare`'s plain reading of a change, in the reader's language."""
    words = {
        pulse_compare.CLEARLY_UP: _("Clearly up"),
        pulse_compare.CLEARLY_DOWN: _("Clearly down"),
        pulse_compare.NO_CLEAR_CHANGE: _("No clear change"),
        pulse_compare.MARGIN_UNKNOWN: _("Too few ratings to tell whether the change is clear"),
        pulse_compare.NOT_COMPARED: _("Too few ratings to compare"),
    }
    return words.get(reading, reading)


def change_label(option: str) -> str:
    """An answer to "Have you noticed a change?", as the survey offered it."""
    labels = {
        "clearly_worse": _("Clearly worse"),
        "a_little_worse": _("A little worse"),
        "no_change": _("No change"),
        "a_little_better": _("A little better"),
        "clearly_better": _("Clearly better"),
        CANT_SAY: _("Can’t say"),
    }
    return labels.get(option, option)


def follow_up_label(label: str) -> str:
    """A follow-up's label in the focus history: a pulse's, translated; a round's own title."""
    from ..followup.history import PULSE_LABEL  # here: it builds on the report's services

    return _("Follow-up") if label == PULSE_LABEL else label
