"""Form pieces shared by the blueprints."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import SelectMultipleField
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from .text import UNSAFE_ADDRESS
from .text import clean_line
from .text import is_header_safe_address


def normalise_email(value: str | None) -> str:
    return clean_line(value).lower()


def header_safe_address(form, field) -> None:
    if field.data and not is_header_safe_address(field.data):
        raise ValidationError(_(UNSAFE_ADDRESS))


def email_field(label: str | None = None, **kwargs) -> EmailField:
    # Lazy: fields are defined at import, their words read in each request's language.
    return EmailField(
        label or _l("Email"),
        validators=[
            InputRequired(_l("Enter an email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(_l("Enter an email address like name@example.com.")),
            header_safe_address,
        ],
        filters=[normalise_email],
        **kwargs,
    )


class CheckboxesField(SelectMultipleField):
    """Tick-all-that-apply: a list of checkboxes that works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@dataclass(frozen=True)
class FieldProblem:
    """One line of a form's error summary: where to jump, what it is, what is wrong."""

    anchor: str
    label: str
    message: str


# Fields whose text may be in any script: shown right to left when typed that way.
FREE_TEXT_FIELDS = frozenset({"StringField", "TextAreaField"})


def field_aria(field, hint: object = None) -> dict[str, str]:
    """The attributes that tie a field to its hint and its errors (ids from the `field` macro
    in templates/_macros.html): aria-describedby and aria-invalid, and dir="auto" for free text."""
    described = [f"{field.id}-hint"] if hint else []
    attributes = {}
    if field.errors:
        described.append(f"{field.id}-error")
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if field.type in FREE_TEXT_FIELDS:
        attributes["dir"] = "auto"
    return attributes


class Form(FlaskForm):
    """The base of every form: it reads the posted form fields and nothing else.

    Flask-WTF also reads uploaded files and a JSON body as form data, where a value can be a
    file, an object, a list or a number that no field expects. The app takes neither uploads
    nor JSON, so those values count as missing and get the same messages as an empty field.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if request.files or request.is_json:
                formdata = request.form if form.is_submitted() else None
            return super().wrap_formdata(form, formdata)

    def problems(self) -> list[FieldProblem]:
        """The error summary's lines, in page order, each linking to its field."""
        return [
            FieldProblem(field.id, field.label.text, field.errors[0])
            for field in self
            if field.errors and field.name != "csrf_token"
        ]


class ActionForm(Form):
    """A form with no fields: a button that changes state still needs a CSRF token."""
