"""The forecast and focus plan forms: fields made from the round's questionnaire.

The rules are checked by the services (`followup.forecasts.save_forecast`,
`followup.plans.save_plan`), which return their errors as data; `show_*_errors` put each beside
its field, so the form shows them with everything typed kept.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from ..focus import ACTION_MAX
from ..focus import ANY_PLATFORM
from ..focus import MAX_ENTRIES
from ..focus import MEASURE_MAX
from ..focus import EntryInput
from ..focus import PlanCheck
from ..focus import Suggestion
from ..followup.forecasts import field_name
from ..forecast import ForecastInput
from ..forms import FieldProblem
from ..forms import Form
from ..questionnaire import Questionnaire
from ..text import clean_line

PLAN_FIELDS = ("target", "action", "platform", "measure")


def forecast_form(q: Questionnaire, **kwargs) -> Form:
    """A text box per group and dimension, named as `followup.forecasts.raw_forecast` reads
    them. Text, not a number input: "3,5" is as good as "3.5", and a typo is kept to correct."""

    class ForecastForm(Form):
        def problems(self) -> list[FieldProblem]:
            """Each line names the group too: every group has a box per dimension."""
            return [
                FieldProblem(
                    field.id,
                    _("%(group)s: %(dimension)s", group=group.plural, dimension=dim.title),
                    field.errors[0],
                )
                for group, dim, field in forecast_fields(self, q)
                if field.errors
            ]

    for group in q.groups:
        for dim in q.dimensions:
            setattr(
                ForecastForm,
                field_name(group.id, dim.id),
                StringField(dim.title, filters=[clean_line], render_kw={"inputmode": "decimal"}),
            )
    return ForecastForm(**kwargs)


def forecast_fields(form: Form, q: Questionnaire):
    """(group, dimension, field) in questionnaire order."""
    for group in q.groups:
        for dim in q.dimensions:
            yield group, dim, form[field_name(group.id, dim.id)]


def show_forecast_errors(form: Form, parsed: ForecastInput) -> None:
    for (group_id, dim_id), message in parsed.errors.items():
        if field_name(group_id, dim_id) in form:
            form[field_name(group_id, dim_id)].errors = [message]


# --- The focus plan -----------------------------------------------------------------------------


def plan_field(kind: str, slot: int) -> str:
    """The form field of one entry's part, numbered from 1 as the page numbers them."""
    return f"{kind}_{slot + 1}"


def target_choices(q: Questionnaire, suggestions: list[Suggestion]) -> list[SelectChoice]:
    """The menu of targets: the suggestions first, then each area and its statements."""
    suggested = {s.target.id for s in suggestions}
    choices = [SelectChoice("", _("Choose…"))]
    heading = _("Suggested from the report")
    choices += [SelectChoice(s.target.id, s.target.title, optgroup=heading) for s in suggestions]
    for dim in q.dimensions:
        options = [(dim.id, _("The whole area: %(area)s", area=dim.title))]
        options += [(item.id, item.text) for item in dim.items]
        choices += [
            SelectChoice(value, label, optgroup=dim.title)
            for value, label in options
            if value not in suggested
        ]
    return choices


class PlanFormBase(Form):
    plan_errors: list[str] = []

    def problems(self) -> list[FieldProblem]:
        """The plan's own errors first (how many entries), then each field's, numbered."""
        whole = [
            FieldProblem(plan_field("target", 0), _("Your plan"), message)
            for message in self.plan_errors
        ]
        return whole + [
            FieldProblem(
                field.id,
                _("Focus %(number)s: %(label)s", number=slot + 1, label=field.label.text),
                field.errors[0],
            )
            for slot in range(MAX_ENTRIES)
            for field in plan_slot(self, slot)
            if field.errors
        ]


def plan_form(q: Questionnaire, suggestions: list[Suggestion], **kwargs) -> PlanFormBase:
    """`MAX_ENTRIES` slots of target, action, platform and measure."""

    class PlanForm(PlanFormBase):
        pass

    platforms = [SelectChoice(ANY_PLATFORM, _("Any platform"))]
    platforms += [SelectChoice(p.id, p.label) for p in q.platforms]
    for slot in range(MAX_ENTRIES):
        fields = {
            "target": SelectField(
                _l("What to focus on"),
                choices=target_choices(q, suggestions),
                validate_choice=False,
            ),
            "action": TextAreaField(
                _l("What you will do"),
                description=_l("A habit or a step people could notice, in your own words."),
                render_kw={"rows": 3, "maxlength": ACTION_MAX},
            ),
            "platform": SelectField(
                _l("Where"), choices=platforms, default=ANY_PLATFORM, validate_choice=False
            ),
            "measure": TextAreaField(
                _l("How you will know it worked"),
                description=_l("Your own measure of success: what you will see or hear."),
                render_kw={"rows": 2, "maxlength": MEASURE_MAX},
            ),
        }
        for kind, unbound in fields.items():
            setattr(PlanForm, plan_field(kind, slot), unbound)
    return PlanForm(**kwargs)


def plan_slot(form: Form, slot: int) -> list:
    return [form[plan_field(kind, slot)] for kind in PLAN_FIELDS]


def plan_inputs(form: Form) -> list[EntryInput]:
    return [
        EntryInput(*(field.data for field in plan_slot(form, slot))) for slot in range(MAX_ENTRIES)
    ]


def plan_form_data(entries: list[EntryInput]) -> dict[str, str]:
    """The stored plan as the form's starting data."""
    return {
        plan_field(kind, slot): getattr(entry, kind) or (ANY_PLATFORM if kind == "platform" else "")
        for slot, entry in enumerate(entries)
        for kind in PLAN_FIELDS
    }


def show_plan_errors(form: PlanFormBase, checked: PlanCheck) -> None:
    form.plan_errors = checked.errors_for(None)
    for slot in range(MAX_ENTRIES):
        for kind in PLAN_FIELDS:
            messages = checked.errors_for(slot, kind)
            if messages:
                form[plan_field(kind, slot)].errors = messages
