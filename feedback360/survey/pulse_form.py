"""The pulse's form: the focus statements on the round's scale, and per focus target "Have you
noticed a change in how they do this?". No comment box, no platforms (see `pulse`).

The statements use the survey's own field (`ratings`, radio groups `item_<id>`); the change
answers the same field under other names (`change_<target id>`), keeping the option ids, which
`followup.survey.pulse_answers` checks and turns into what is stored.
"""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

from .. import questionnaire
from ..pulse import CANT_SAY
from ..pulse import CHANGE_OPTIONS
from ..pulse import CHANGE_QUESTION
from ..pulse import PulseSurvey
from ..pulse import pulse_survey
from .forms import NOT_OBSERVED
from .forms import RatingForm
from .forms import ScaleAnswersField
from .forms import ScaleChoice
from .forms import item_field


def change_field(target_id: str) -> str:
    return f"change_{target_id}"


class ChangeAnswersField(ScaleAnswersField):
    """One "noticed a change" radio group per target; `data` maps target id to option id."""

    name_of = staticmethod(change_field)

    @staticmethod
    def value_of(raw: str) -> str:
        return raw


@cache
def pulse_form_class(version: str, target_ids: tuple[str, ...], locale: str) -> type[RatingForm]:
    """A RatingForm subclass for one pulse's targets, worded in `locale` (one class each)."""
    survey = pulse_survey(questionnaire.load(version, locale), target_ids)
    q = survey.questionnaire
    scale = [ScaleChoice(str(i), label) for i, label in enumerate(q.scale, start=1)]
    scale.append(ScaleChoice(NOT_OBSERVED, q.not_observed))
    # Lazy: the class is built once per language, the words read per request.
    changes = tuple(ScaleChoice(option, _l(label)) for option, label in CHANGE_OPTIONS)
    cant_say = dict(CHANGE_OPTIONS)[CANT_SAY]
    fields = {
        "ratings": ScaleAnswersField(
            items=tuple((item.id, item.text) for item in q.items),
            choices=tuple(scale),
            missing_message=_l("Choose an answer, or “%(choice)s”.", choice=q.not_observed),
        ),
        "changes": ChangeAnswersField(
            items=tuple((t.target.id, _l(CHANGE_QUESTION)) for t in survey.targets),
            choices=changes,
            missing_message=_l("Choose an answer, or “%(choice)s”.", choice=_l(cant_say)),
        ),
    }
    return type("PulseForm", (RatingForm,), fields)


def hidden_fields(form: RatingForm, survey: PulseSurvey) -> list[tuple[str, str]]:
    """Every answer as the (name, value) pairs step 1 posts, for the review page to carry."""
    pairs = [
        (item_field(item.id), form.ratings.chosen[item.id]) for item in survey.questionnaire.items
    ]
    pairs += [(change_field(t.target.id), form.changes.chosen[t.target.id]) for t in survey.targets]
    return pairs
