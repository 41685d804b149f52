"""The survey form, built from the questionnaire data; the self-assessment uses the same items."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms import SelectChoice
from wtforms import TextAreaField
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from .. import questionnaire
from ..forms import CheckboxesField
from ..forms import Form
from ..i18n import local_number
from ..models import MAX_COMMENT_LENGTH
from ..text import clean_text

NOT_OBSERVED = "na"
PLATFORMS_FIELD = "platforms"


def item_field(item_id: str) -> str:
    return f"item_{item_id}"


@dataclass(frozen=True)
class ScaleChoice:
    value: str
    label: str


@dataclass(frozen=True)
class ScaleItem:
    """One item's radio group as the page draws it: inputs named `item_<id>`, ids from 0."""

    id: str
    label: str
    choices: tuple[ScaleChoice, ...]
    chosen: str | None
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """One line of a form's error summary: where to jump, what it is, what is wrong."""

    anchor: str
    label: str
    message: str


class ScaleAnswersField(Field):
    """Every rating item in one field, each still its own radio group named `item_<id>`.

    As one RadioField per item, binding and validating 27 fields was a third of a submit's time;
    this field reads the same form keys and gives the same messages at a fraction of the cost.
    `data` maps item id to 1..n, or None for "not observed".
    """

    # The radio group's name for an item, and the answer a chosen value stands for: a pulse's
    # change question uses the same field with its own (`survey.pulse_form`).
    name_of = staticmethod(item_field)

    @staticmethod
    def value_of(raw: str) -> int | None:
        return None if raw == NOT_OBSERVED else int(raw)

    def __init__(self, label=None, *, items, choices, missing_message, **kwargs):
        super().__init__(label, **kwargs)
        self.items = items  # (item id, text) pairs, in page order
        self.labels = dict(items)
        self.choices = choices
        self.missing_message = missing_message
        self.item_errors: dict[str, str] = {}
        self.chosen: dict[str, str] = {}

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.item_errors = {}
        if formdata is not None:
            found = (
                (item_id, formdata.get(self.name_of(item_id))) for item_id, _label in self.items
            )
            self.chosen = {item_id: raw for item_id, raw in found if raw is not None}
        else:
            self.chosen = dict(data or {})
        self.data = {}

    def validate(self, form, extra_validators=()):
        allowed = {choice.value for choice in self.choices}
        self.item_errors = {}
        for item_id, _label in self.items:
            raw = self.chosen.get(item_id)
            if not raw:
                self.item_errors[item_id] = self.missing_message
            elif raw not in allowed:
                self.item_errors[item_id] = self.gettext("Not a valid choice.")
        self.errors = list(self.item_errors.values())
        if not self.errors:
            self.data = {
                item_id: self.value_of(self.chosen[item_id]) for item_id, _label in self.items
            }
        return not self.errors

    def item(self, item_id: str) -> ScaleItem:
        error = self.item_errors.get(item_id)
        return ScaleItem(
            id=self.name_of(item_id),
            label=self.labels[item_id],
            choices=self.choices,
            chosen=self.chosen.get(item_id),
            errors=(error,) if error else (),
        )

    def problems(self) -> list[Problem]:
        return [
            Problem(f"{self.name_of(item_id)}-fieldset", text, self.item_errors[item_id])
            for item_id, text in self.items
            if item_id in self.item_errors
        ]


class RatingForm(Form):
    """The survey and the self-assessment: a `ratings` field and, for respondents, more."""

    def problems(self) -> list[Problem]:
        """The error summary's lines, in page order; a CSRF failure has its own message."""
        found: list[Problem] = []
        for field in self:
            if field.name == "csrf_token" or not field.errors:
                continue
            if isinstance(field, ScaleAnswersField):
                found.extend(field.problems())
            else:
                found.append(Problem(f"{field.id}-fieldset", field.label.text, field.errors[0]))
        return found


def comment_field(key: str) -> str:
    return f"comment_{key}"


def comment_not_too_long(form, field) -> None:
    """A comment over the stored limit, said with both numbers in the respondent's language."""
    length = len(field.data or "")
    if length > MAX_COMMENT_LENGTH:
        raise ValidationError(
            _(
                "Please keep this under %(max)s characters (it is %(length)s now). "
                "Your text is still here to shorten.",
                max=local_number(MAX_COMMENT_LENGTH),
                length=local_number(length),
            )
        )


def _comment(prompt: str) -> TextAreaField:
    return TextAreaField(
        prompt, filters=[clean_text], validators=[Optional(), comment_not_too_long]
    )


@cache
def survey_form_class(version: str, for_self: bool, locale: str = "en") -> type[RatingForm]:
    """A RatingForm subclass with one radio group per item and, for respondents, the comments,
    worded in `locale` (one class per version, kind and language)."""
    q = questionnaire.load(version, locale)
    choices = [ScaleChoice(str(i), label) for i, label in enumerate(q.scale, start=1)]
    choices.append(ScaleChoice(NOT_OBSERVED, q.not_observed))
    fields: dict[str, object] = {
        "ratings": ScaleAnswersField(
            items=tuple((item.id, item.self_text if for_self else item.text) for item in q.items),
            choices=tuple(choices),
            # Lazy: the class is built once per language, the message read per request.
            missing_message=_l("Choose an answer, or “%(choice)s”.", choice=q.not_observed),
        )
    }
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
    return type(name, (RatingForm,), fields)


def ratings_from(form: RatingForm, q: questionnaire.Questionnaire) -> dict[str, int | None]:
    return {item.id: form.ratings.data[item.id] for item in q.items}


def comments_from(form: RatingForm, q: questionnaire.Questionnaire) -> dict[str, str]:
    texts = {key: form[comment_field(key)].data or "" for key in q.comment_keys()}
    return {key: text for key, text in texts.items() if text}


def platforms_from(form: RatingForm, q: questionnaire.Questionnaire) -> set[str]:
    if not q.platforms:
        return set()
    return set(form[PLATFORMS_FIELD].data or ())


def only_csrf_failed(form: RatingForm) -> bool:
    return "csrf_token" in form.errors
