"""The leader's forecast (while the round is open) and focus plan (after close): each a page of
its own, reached from the round page and the results page. The services check the rules
(`followup.forecasts`, `followup.plans`); these views parse, call them and render."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ...focus import MAX_ENTRIES
from ...followup import forecasts
from ...followup import plans
from ...i18n import local_questionnaire
from ...reports.services import report_data
from ..followup_forms import forecast_fields
from ..followup_forms import forecast_form
from ..followup_forms import plan_form
from ..followup_forms import plan_form_data
from ..followup_forms import plan_inputs
from ..followup_forms import plan_slot
from ..followup_forms import show_forecast_errors
from ..followup_forms import show_plan_errors
from ..services.common import RoundError
from .common import bp
from .common import own_round


def _full_round(round_id: int):
    """The leader's own full round; a pulse has no forecast or plan of its own (404)."""
    a_round = own_round(round_id)
    if a_round.is_pulse:
        abort(404)
    return a_round


def _forecast_page(a_round, q, form, refused: str = "") -> str:
    return render_template(
        "rounds/forecast.html",
        a_round=a_round,
        q=q,
        form=form,
        fields=list(forecast_fields(form, q)),
        editable=a_round.status == "open" and not refused,
        refused=refused,
        stored=forecasts.forecast_form_values(a_round),
    )


@bp.route("/rounds/<id:round_id>/forecast", methods=["GET", "POST"])
@login_required
def forecast(round_id: int):
    a_round = _full_round(round_id)
    q = local_questionnaire(a_round.questionnaire_version)
    # On a post, only what was sent: a box left out is an empty one, as the service reads it.
    stored = forecasts.forecast_form_values(a_round) if request.method == "GET" else {}
    form = forecast_form(q, data=stored)
    if not form.validate_on_submit():  # a plain visit (the CSRF check is app-wide)
        return _forecast_page(a_round, q, form)
    raw = forecasts.raw_forecast({field.name: field.data or "" for field in form}, q)
    try:
        parsed = forecasts.save_forecast(a_round, current_user, raw)
    except RoundError as error:  # closed (or not yet open) meanwhile: say so, keep nothing
        return _forecast_page(a_round, q, form, refused=str(error)), 409
    if not parsed.ok:
        show_forecast_errors(form, parsed)
        return _forecast_page(a_round, q, form), 400
    if parsed.values:
        flash(
            _(
                "Your forecast is saved. You can change it until the round closes; then your "
                "report sets it beside what people said."
            ),
            "success",
        )
    else:
        flash(_("Your forecast is empty, so your report will show none."), "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="forecast"))


@bp.route("/rounds/<id:round_id>/plan", methods=["GET", "POST"])
@login_required
def plan(round_id: int):
    """The leader's plan, from the results: a coach reads it on their results page (a coach
    asking for this page gets the 404 of any round that is not theirs)."""
    a_round = _full_round(round_id)
    plans.check_plan_open(a_round)  # refused: the reason, on the round page
    data = report_data(a_round)
    suggestions = plans.focus_suggestions(a_round, data.analysis, data.questionnaire)
    stored = plans.plan_form_entries(a_round) if request.method == "GET" else []
    form = plan_form(data.questionnaire, suggestions, data=plan_form_data(stored))
    status = 200
    if form.validate_on_submit():
        checked = plans.save_plan(a_round, current_user, plan_inputs(form))
        if checked.ok:
            flash(
                _(
                    "Your plan is saved. It is printed in your PDF, and your coach reads it on "
                    "their results page."
                )
                if a_round.shares
                else _("Your plan is saved. It is printed in your PDF."),
                "success",
            )
            return redirect(url_for("reports.results", round_id=a_round.id, _anchor="plan"))
        show_plan_errors(form, checked)
        status = 400
    return render_template(
        "rounds/plan.html",
        a_round=a_round,
        form=form,
        slots=[plan_slot(form, slot) for slot in range(MAX_ENTRIES)],
        suggestions=suggestions,
        has_plan=bool(plans.plan_of(a_round)),
    ), status
