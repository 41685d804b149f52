"""The leader's pages: rounds, self-assessment, invitations, open links, sharing with a coach."""

from __future__ import annotations

import io

import segno
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import select

from .. import questionnaire
from ..anonymity import MIN_THRESHOLD
from ..anonymity import reminders_queued_notice
from ..extensions import db
from ..forms import ActionForm
from ..keys import secret_keys
from ..models import GROUP_IDS
from ..models import CoachShare
from ..models import Invitation
from ..models import OpenLink
from ..models import Round
from ..survey.forms import NOT_OBSERVED
from ..survey.forms import ratings_from
from ..survey.forms import survey_form_class
from ..tokens import issued_token
from ..tokens import open_link_token
from . import services
from .forms import DeleteRoundForm
from .forms import InvitationsForm
from .forms import OpenLinkForm
from .forms import OpenLinkSettingsForm
from .forms import RoundForm
from .forms import ShareForm

bp = Blueprint("rounds", __name__)

INVITATIONS_PER_PAGE = 50
# No round has this many pages; a larger ?page= would overflow the database's OFFSET.
MAX_PAGE = 100_000
ROUND_FIELDS = (
    "title",
    "why",
    "success_measures",
    "platforms",
    "closes_on",
    "anonymity_threshold",
    "reminder_days_before_close",
)


def own_round(round_id: int) -> Round:
    """The current user's round, or 404: someone else's round does not exist for them."""
    a_round = db.session.get(Round, round_id)
    if a_round is None or a_round.leader_id != current_user.id:
        abort(404)
    a_round = services.refresh_status(a_round)
    if a_round is None:  # deleted meanwhile, from another tab
        abort(404)
    return a_round


def survey_url(token: str) -> str:
    return url_for("survey.answer", token=token, _external=True)


@bp.get("/")
def dashboard():
    if not current_user.is_authenticated:
        return render_template("index.html")
    return render_template(
        "rounds/dashboard.html",
        led=services.rounds_led_by(current_user),
        shared=services.rounds_shared_with(current_user),
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required
def new_round():
    default = max(MIN_THRESHOLD, current_app.config["DEFAULT_ANONYMITY_THRESHOLD"])
    form = RoundForm(anonymity_threshold=default)
    if form.validate_on_submit():
        a_round = services.create_round(
            current_user,
            max_anonymity=form.max_anonymity.data,
            **{name: form[name].data for name in ROUND_FIELDS},
        )
        flash("Round created. Next: rate yourself, then invite people.", "success")
        return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template("rounds/form.html", form=form, a_round=None, anonymity_locked=False)


@bp.route("/rounds/<id:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit_round(round_id: int):
    a_round = own_round(round_id)
    form = RoundForm(obj=a_round)
    # Once links are out the setting is shown, not submitted (a disabled box sends nothing).
    locked = services.has_gone_out(a_round)
    if locked:
        form.max_anonymity.data = a_round.max_anonymity
    if form.validate_on_submit():
        fields = {name: form[name].data for name in ROUND_FIELDS}
        if not locked:
            fields["max_anonymity"] = form.max_anonymity.data
        try:
            services.update_round(a_round, **fields)
        except services.RoundError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash("Round updated.", "success")
            return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template("rounds/form.html", form=form, a_round=a_round, anonymity_locked=locked)


def requested_page() -> int:
    """The ?page= number; the first page for a missing, odd or absurd one."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1


@bp.get("/rounds/<id:round_id>")
@login_required
def detail(round_id: int):
    a_round = own_round(round_id)
    page = db.paginate(
        select(Invitation)
        .where(Invitation.round_id == a_round.id)
        .order_by(Invitation.rater_group, Invitation.email),
        page=requested_page(),
        per_page=INVITATIONS_PER_PAGE,
        error_out=False,
    )
    open_links = [
        (
            link,
            open_link_url(link),
            OpenLinkSettingsForm(
                prefix=link.rater_group,
                data={"max_responses": link.max_responses, "paused": link.paused},
            ),
        )
        for link in sorted(a_round.open_links, key=lambda link: link.rater_group)
        if link.nonce
    ]
    q = questionnaire.load(a_round.questionnaire_version)
    return render_template(
        "rounds/detail.html",
        a_round=a_round,
        q=q,
        progress=services.progress_of(a_round),
        mail=services.mail_status(a_round),
        invitations=page,
        open_links=open_links,
        open_link_cautions=services.open_link_cautions(a_round),
        self_done=bool(a_round.self_ratings),
        invite_form=InvitationsForm(),
        open_link_form=OpenLinkForm(),
        share_form=ShareForm(),
        action_form=ActionForm(),
    )


@bp.route("/rounds/<id:round_id>/self", methods=["GET", "POST"])
@login_required
def self_assessment(round_id: int):
    a_round = own_round(round_id)
    q = questionnaire.load(a_round.questionnaire_version)
    form_class = survey_form_class(q.version, True)
    existing = {
        r.item_id: NOT_OBSERVED if r.value is None else str(r.value) for r in a_round.self_ratings
    }
    form = form_class(data={"ratings": existing}) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        try:
            services.save_self_assessment(a_round, ratings_from(form, q))
        except services.RoundError as error:
            flash(str(error), "error")
        else:
            flash("Your self-assessment is saved.", "success")
        return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template("rounds/self_assessment.html", form=form, q=q, a_round=a_round)


@bp.post("/rounds/<id:round_id>/invitations")
@login_required
def invite(round_id: int):
    a_round = own_round(round_id)
    form = InvitationsForm()
    if not form.validate_on_submit():
        for error in form.lines.errors:
            flash(error, "error")
        return redirect(url_for("rounds.detail", round_id=a_round.id))
    try:
        created, errors = services.add_invitations(a_round, form.lines.data)
    except services.RoundError as error:
        flash(str(error), "error")
        return redirect(url_for("rounds.detail", round_id=a_round.id))
    return render_template(
        "rounds/invitations_created.html",
        a_round=a_round,
        q=questionnaire.load(a_round.questionnaire_version),
        invitees=[invitee for invitee, _token in created],
        errors=errors,
    )


@bp.post("/rounds/<id:round_id>/invitations/<id:invitation_id>/link")
@login_required
def new_link(round_id: int, invitation_id: int):
    a_round = own_round(round_id)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.round_id != a_round.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.new_invitation_link(invitation)
    except services.RoundError as error:
        flash(str(error), "error")
    else:
        when = "now" if a_round.status == "open" else "when you open the round"
        flash(
            f"{invitation.email} gets a new link by email {when}; the old one no longer works.",
            "success",
        )
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="invitations"))


@bp.post("/rounds/<id:round_id>/open-links")
@login_required
def open_link(round_id: int):
    a_round = own_round(round_id)
    form = OpenLinkForm()
    if form.validate_on_submit():
        try:
            link = services.ensure_open_link(a_round, form.group.data)
        except services.RoundError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            rotating = bool(link.nonce)
            services.rotate_open_link(link, current_app.config["SECRET_KEY"])
            flash(
                "New open link made; the old one no longer works."
                if rotating
                else "Open link ready to post.",
                "success",
            )
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="open-links"))


def open_link_url(link: OpenLink) -> str:
    """The link as issued, even under a key since replaced (see `keys`)."""
    token = issued_token(secret_keys(), "open-link", link.nonce, link.token_hash)
    return survey_url(token or open_link_token(current_app.config["SECRET_KEY"], link.nonce))


def own_open_link(a_round: Round, group: str) -> OpenLink:
    """The round's open link for `group`, or 404."""
    link = services.find_open_link(a_round, group) if group in GROUP_IDS else None
    if link is None or not link.nonce:
        abort(404)
    return link


@bp.post("/rounds/<id:round_id>/open-links/<group>")
@login_required
def open_link_settings(round_id: int, group: str):
    a_round = own_round(round_id)
    link = own_open_link(a_round, group)
    form = OpenLinkSettingsForm(prefix=group)
    if not form.validate_on_submit():
        for error in form.max_responses.errors:
            flash(error, "error")
    else:
        try:
            services.set_open_link_settings(link, form.max_responses.data, form.paused.data)
        except services.RoundError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_settings_message(link), "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="open-links"))


def _settings_message(link: OpenLink) -> str:
    group = questionnaire.load(link.round.questionnaire_version).group(link.rater_group)
    name = f"The open link for {group.plural.lower()}"
    if link.paused:
        return f"{name} is paused: it takes no answers until you resume it."
    if link.max_responses is None:
        return f"{name} takes answers, with no limit."
    if link.responses >= link.max_responses:
        return (
            f"{name} already has {link.responses} answers, so with a limit of "
            f"{link.max_responses} it takes no more."
        )
    return f"{name} takes answers until it has {link.max_responses} ({link.responses} so far)."


@bp.get("/rounds/<id:round_id>/open-links/<group>/qr.svg")
@login_required
def open_link_qr(round_id: int, group: str):
    """The open link as a QR code, for slides and events."""
    link = own_open_link(own_round(round_id), group)
    svg = io.BytesIO()
    segno.make(open_link_url(link), error="m", micro=False).save(
        svg, kind="svg", scale=5, border=4, xmldecl=False, title="Survey link"
    )
    headers = {"Cache-Control": "private, no-store"}
    if request.args.get("download"):
        filename = f"feedback360-round-{link.round_id}-{group}-open-link.svg"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return current_app.response_class(svg.getvalue(), mimetype="image/svg+xml", headers=headers)


def _state_change(round_id: int, change, message: str):
    a_round = own_round(round_id)
    if ActionForm().validate_on_submit():
        try:
            change(a_round)
        except services.RoundError as error:
            flash(str(error), "error")
        else:
            flash(message, "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id))


@bp.post("/rounds/<id:round_id>/open")
@login_required
def open_round(round_id: int):
    return _state_change(round_id, services.open_round, "The round is open: links now work.")


@bp.post("/rounds/<id:round_id>/reminders")
@login_required
def remind(round_id: int):
    a_round = own_round(round_id)
    if ActionForm().validate_on_submit():
        try:
            services.send_reminders(a_round)
        except services.RoundError as error:
            flash(str(error), "error")
        else:
            flash(reminders_queued_notice(a_round.max_anonymity), "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="progress"))


@bp.post("/rounds/<id:round_id>/close")
@login_required
def close_round(round_id: int):
    return _state_change(
        round_id, services.close_round, "The round is closed. The results and report are ready."
    )


@bp.post("/rounds/<id:round_id>/shares")
@login_required
def share(round_id: int):
    a_round = own_round(round_id)
    form = ShareForm()
    if not form.validate_on_submit():
        for error in form.email.errors:
            flash(error, "error")
    else:
        try:
            services.share_with_coach(a_round, form.email.data)
        except services.RoundError as error:
            flash(str(error), "error")
        else:
            flash(f"Shared with {form.email.data}. They see it once logged in.", "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="coach"))


@bp.post("/rounds/<id:round_id>/shares/<id:share_id>/remove")
@login_required
def unshare(round_id: int, share_id: int):
    a_round = own_round(round_id)
    share_row = db.session.get(CoachShare, share_id)
    if share_row is None or share_row.round_id != a_round.id:
        abort(404)
    if ActionForm().validate_on_submit():
        db.session.delete(share_row)
        db.session.commit()
        flash(f"{share_row.coach_email} no longer sees this round.", "success")
    return redirect(url_for("rounds.detail", round_id=a_round.id, _anchor="coach"))


@bp.route("/rounds/<id:round_id>/delete", methods=["GET", "POST"])
@login_required
def delete_round(round_id: int):
    a_round = own_round(round_id)
    form = DeleteRoundForm()
    if form.validate_on_submit():
        title = a_round.title
        services.delete_round(a_round)
        flash(f"“{title}” is deleted, with all its answers, comments and invitations.", "success")
        return redirect(url_for("rounds.dashboard"))
    return render_template(
        "rounds/delete.html",
        a_round=a_round,
        form=form,
        responses=services.deletable_responses(a_round),
    )
