"""The leader's pages for a round as a whole: list, create, edit, the round page, rate
yourself, delete (opening and closing are in `steps`)."""

from __future__ import annotations

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ...anonymity import MIN_THRESHOLD
from ...i18n import local_questionnaire
from ...survey.forms import NOT_OBSERVED
from ...survey.forms import ratings_from
from ...survey.forms import survey_form_class
from ..forms import DeleteRoundForm
from ..forms import RoundForm
from ..services import lifecycle
from ..services import overview
from ..services import sharing
from ..services.common import RoundError
from ..services.progress import deletable_responses
from .common import back_to_round
from .common import bp
from .common import own_round
from .page import round_page

ROUND_FIELDS = (
    "title",
    "why",
    "success_measures",
    "platforms",
    "closes_on",
    "anonymity_threshold",
    "reminder_days_before_close",
    "default_language",
)


@bp.get("/")
def dashboard():
    if not current_user.is_authenticated:
        return render_template("index.html")
    return render_template(
        "rounds/dashboard.html",
        led=overview.round_lines(lifecycle.rounds_led_by(current_user)),
        shared=sharing.rounds_shared_with(current_user),
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required
def new_round():
    default = max(MIN_THRESHOLD, current_app.config["DEFAULT_ANONYMITY_THRESHOLD"])
    form = RoundForm(anonymity_threshold=default)
    if form.validate_on_submit():
        a_round = lifecycle.create_round(
            current_user,
            max_anonymity=form.max_anonymity.data,
            **{name: form[name].data for name in ROUND_FIELDS},
        )
        flash(_("Round created. Next: rate yourself, then invite people."), "success")
        return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template("rounds/form.html", form=form, a_round=None, anonymity_locked=False)


@bp.route("/rounds/<id:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit_round(round_id: int):
    a_round = own_round(round_id)
    lifecycle.check_settings_editable(a_round)  # refused: said on the round page
    form = RoundForm(obj=a_round, version=a_round.questionnaire_version)
    # Once links are out the setting is shown, not submitted (a disabled box sends nothing).
    locked = lifecycle.has_gone_out(a_round)
    if locked:
        form.max_anonymity.data = a_round.max_anonymity
    if form.validate_on_submit():
        fields = {name: form[name].data for name in ROUND_FIELDS}
        if not locked:
            fields["max_anonymity"] = form.max_anonymity.data
        # Not left to the blueprint's handler: a refusal shows the form again, as typed.
        try:
            lifecycle.update_round(a_round, **fields)
        except RoundError as error:
            flash(str(error), "error")
        else:
            flash(_("Round updated."), "success")
            return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template(
        "rounds/form.html",
        form=form,
        a_round=a_round,
        anonymity_locked=locked,
        read_only=a_round.status == "closed",
    )


@bp.get("/rounds/<id:round_id>")
@login_required
def detail(round_id: int):
    return round_page(own_round(round_id))


@bp.route("/rounds/<id:round_id>/self", methods=["GET", "POST"])
@login_required
def self_assessment(round_id: int):
    a_round = own_round(round_id)
    q = local_questionnaire(a_round.questionnaire_version)
    form_class = survey_form_class(q.version, True, q.locale)
    existing = {
        r.item_id: NOT_OBSERVED if r.value is None else str(r.value) for r in a_round.self_ratings
    }
    if request.method == "POST" or a_round.is_pulse:  # a page from before the close, say
        lifecycle.check_self_assessment_open(a_round)
    form = form_class(data={"ratings": existing}) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        lifecycle.save_self_assessment(a_round, ratings_from(form, q))
        flash(_("Your self-assessment is saved."), "success")
        return back_to_round()
    return render_template(
        "rounds/self_assessment.html",
        form=form,
        q=q,
        a_round=a_round,
        read_only=a_round.status == "closed",
        self_done=bool(existing),
    )


@bp.route("/rounds/<id:round_id>/delete", methods=["GET", "POST"])
@login_required
def delete_round(round_id: int):
    a_round = own_round(round_id)
    form = DeleteRoundForm()
    if form.validate_on_submit():
        title = a_round.title
        lifecycle.delete_round(a_round)
        flash(
            _(
                "“%(title)s” is deleted, with all its answers, comments and invitations.",
                title=title,
            ),
            "success",
        )
        return redirect(url_for("rounds.dashboard"))
    return render_template(
        "rounds/delete.html",
        a_round=a_round,
        form=form,
        responses=deletable_responses(a_round),
    )
