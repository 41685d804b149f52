"""After the report, back to the people asked: the word back (written, previewed, sent once)
and the follow-up pulse (its dates and what it asks, then made). The services are in
`followup.word_backs` and `followup.pulses`; a refusal goes to the round page (`common`).

`back_to_raters` is a template global: the round page and the results page show where the
leader is with both from it, without their views knowing about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.routing import BuildError

from ...followup import pulses
from ...followup import word_backs
from ...followup.plans import plan_of
from ...followup.survey import local_pulse_survey
from ...i18n import current_language
from ...i18n import local_questionnaire
from ...models import Round
from ...models import WordBack
from ...pulse import PulseSurvey
from ...pulse import estimate_pulse
from ...pulse import pulse_survey
from ...reports.services import report_data
from ..back_to_raters_forms import PulseDatesForm
from ..back_to_raters_forms import WordBackForm
from ..services.closing import results_ready
from ..services.common import RoundError
from .common import bp
from .common import own_round
from .common import returns_to

PREVIEW, EDIT, SEND = "preview", "edit", "send"  # `?go=` of the word back's buttons


@dataclass(frozen=True)
class BackToRaters:
    """Where a closed full round stands with its word back and its follow-up."""

    word_back: WordBack | None
    pulse: Round | None
    has_plan: bool
    plan_url: str
    pulse_results_ready: bool = False


@bp.app_template_global()
def back_to_raters(a_round: Round) -> BackToRaters | None:
    """None where neither applies: a pulse, or a round not closed or its results not ready."""
    if a_round.is_pulse or a_round.status != "closed" or not results_ready(a_round):
        return None
    pulse = a_round.pulse
    return BackToRaters(
        word_backs.word_back_of(a_round),
        pulse,
        bool(plan_of(a_round)),
        plan_url(a_round),
        pulse is not None and pulse.status == "closed" and results_ready(pulse),
    )


@bp.app_template_global()
def follow_up_questions(pulse: Round) -> PulseSurvey:
    """What a pulse asks, worded in the page's language, for its round page."""
    return local_pulse_survey(pulse.id, pulse.questionnaire_version, current_language())


def plan_url(a_round: Round) -> str:
    """The focus plan's page (`rounds.plan`), by its path if that page is not registered."""
    try:
        return url_for("rounds.plan", round_id=a_round.id)
    except BuildError:
        return f"{request.script_root}/rounds/{a_round.id}/plan"


def _word_back_page(a_round: Round, form: WordBackForm | None = None, preview: str = ""):
    sent = word_backs.word_back_of(a_round)
    return render_template(
        "rounds/word_back.html",
        a_round=a_round,
        form=form,
        sent=sent,
        preview=preview,
        invitees=word_backs.invitee_count(a_round),
        paragraphs=[p.strip() for p in (sent.text if sent else preview).split("\n\n") if p.strip()],
        has_plan=bool(plan_of(a_round)),
        plan_url=plan_url(a_round),
    )


@bp.route("/rounds/<id:round_id>/word-back", methods=["GET", "POST"])
@login_required
@returns_to("word-back")
def word_back(round_id: int):
    """Write (from a draft), see it as it will go, then send it: once, to everyone asked."""
    a_round = own_round(round_id)
    if a_round.is_pulse:  # the word back is its round's
        abort(404)
    if word_backs.word_back_of(a_round) is not None:
        if request.method == "POST":  # a second send, from another tab or a double click
            flash(_("Your word back for this round has been sent; it goes once."), "info")
            return redirect(url_for("rounds.word_back", round_id=a_round.id))
        return _word_back_page(a_round)
    word_backs.check_word_back_open(a_round)
    form = WordBackForm()
    go = request.args.get("go", PREVIEW)
    if not form.is_submitted():
        data = report_data(a_round)
        form.text.data = word_backs.word_back_draft(a_round, data.analysis, data.questionnaire)
        return _word_back_page(a_round, form)
    if go == EDIT or not form.validate():
        return _word_back_page(a_round, form)
    if go != SEND:
        return _word_back_page(a_round, form, preview=form.text.data)
    try:
        errors = word_backs.send_word_back(a_round, a_round.leader, form.text.data)
    except word_backs.WordBackAlreadySent as already:
        flash(str(already), "info")
        return redirect(url_for("rounds.word_back", round_id=a_round.id))
    if errors:
        form.text.errors = errors
        return _word_back_page(a_round, form)
    flash(_("Your word back is on its way to everyone you asked."), "success")
    return redirect(url_for("rounds.word_back", round_id=a_round.id))


@bp.route("/rounds/<id:round_id>/follow-up", methods=["GET", "POST"])
@login_required
@returns_to("back-to-raters")
def follow_up(round_id: int):
    """The follow-up's dates and what it will ask; making it is a confirmed post. Without a
    plan, the page says that the follow-up asks about the plan, and where to make it."""
    a_round = own_round(round_id)
    if a_round.is_pulse:  # a follow-up has none of its own; its round has
        abort(404)
    if a_round.pulse is not None:
        return redirect(url_for("rounds.detail", round_id=a_round.pulse.id))
    plan = plan_of(a_round)
    if a_round.status == "closed" and not plan:
        return render_template(
            "rounds/follow_up.html", a_round=a_round, plan=None, plan_url=plan_url(a_round)
        )
    pulses.check_pulse_possible(a_round)
    earliest, suggested, latest, closes = pulses.suggested_dates(a_round)
    form = PulseDatesForm(data={"opens_on": suggested, "closes_on": closes})
    if form.validate_on_submit():
        try:
            pulse = pulses.create_pulse(
                a_round, a_round.leader, form.opens_on.data, form.closes_on.data
            )
        except pulses.PulseExists:
            raise
        except RoundError as refused:  # a day the service refuses: said at the dates
            form.opens_on.errors = [str(refused)]
        else:
            if pulse.status == "open":
                flash(_("The follow-up is open: its invitations are on their way."), "success")
            else:
                flash(_("The follow-up is ready: it opens by itself on its first day."), "success")
            return redirect(url_for("rounds.detail", round_id=pulse.id))
    q = local_questionnaire(a_round.questionnaire_version)
    survey = pulse_survey(q, [entry.target_id for entry in plan])
    minutes = max(
        estimate_pulse(survey, group.id, False, a_round.anonymity_threshold).stated_minutes
        for group in q.groups
    )
    return render_template(
        "rounds/follow_up.html",
        a_round=a_round,
        plan=plan,
        form=form,
        survey=survey,
        earliest=earliest,
        latest=latest,
        minutes=minutes,
    )
