"""The survey form, built from the questionnaire data; the self-assessment uses the same items."""

from __future__ import annotations

from functools import cache

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectMultipleField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from .. import questionnaire
from ..models import MAX_COMMENT_LENGTH
from ..text import clean_text

NOT_OBSERVED = "na"
PLATFORMS_FIELD = "platforms"


class CheckboxesField(SelectMultipleField):
    """Tick-all-that-apply: a list of checkboxes that works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def item_field(item_id: str) -> str:
    return f"item_{item_id}"


def comment_field(key: str) -> str:
    return f"comment_{key}"


def _comment(prompt: str) -> TextAreaField:
    return TextAreaField(
        prompt,
        filters=[clean_text],
        validators=[
            Optional(),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=(
                    f"Please keep this under {MAX_COMMENT_LENGTH:,} characters "
                    "(it is %(length)d now). Your text is still here to shorten."
                ),
            ),
        ],
    )


@cache
def survey_form_class(version: str, for_self: bool) -> type[FlaskForm]:
    """A FlaskForm subclass with one radio group per item and, for respondents, the comments."""
    q = questionnaire.load(version)
    choices = [SelectChoice(str(i), label) for i, label in enumerate(q.scale, start=1)]
    choices.append(SelectChoice(NOT_OBSERVED, q.not_observed))
    fields: dict[str, object] = {}
    for item in q.items:
        fields[item_field(item.id)] = RadioField(
            item.self_text if for_self else item.text,
            choices=choices,
            validators=[InputRequired(f"Choose an answer, or “{q.not_observed}”.")],
        )
    if not for_self and q.platforms:
        fields[PLATFORMS_FIELD] = CheckboxesField(
            q.platforms_question,
            choices=[SelectChoice(p.id, p.label) for p in q.platforms],
            validate_choice=True,
        )
    if not for_self:
        for dim in q.dimensions:
            fields[comment_field(dim.id)] = _comment(dim.comment_prompt)
        for question in q.open_questions:
            fields[comment_field(question.id)] = _comment(question.text)
    name = "SelfAssessmentForm" if for_self else "SurveyForm"
    return type(name, (FlaskForm,), fields)


def ratings_from(form: FlaskForm, q: questionnaire.Questionnaire) -> dict[str, int | None]:
    values = {}
    for item in q.items:
        raw = form[item_field(item.id)].data
        values[item.id] = None if raw == NOT_OBSERVED else int(raw)
    return values


def comments_from(form: FlaskForm, q: questionnaire.Questionnaire) -> dict[str, str]:
    texts = {key: form[comment_field(key)].data or "" for key in q.comment_keys()}
    return {key: text for key, text in texts.items() if text}


def platforms_from(form: FlaskForm, q: questionnaire.Questionnaire) -> set[str]:
    if not q.platforms:
        return set()
    return set(form[PLATFORMS_FIELD].data or ())


def only_csrf_failed(form: FlaskForm) -> bool:
    return "csrf_token" in form.errors
