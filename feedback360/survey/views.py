"""The respondent's side: no account, no JavaScript, no trace of who answered what.

A GET never uses a link up (mail scanners open every link); only the submitting POST does, and it
ends on a token-free thank-you page. The blueprint is exempt from the global CSRF check so that an
expired token can be handled here: the respondent keeps their answers and is asked to submit again.
"""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for

from .. import questionnaire
from ..extensions import csrf
from ..extensions import db
from ..forms import ActionForm
from ..models import Invitation
from ..rounds.services import decline as decline_invitation
from ..rounds.services import refresh_status
from . import services
from .forms import comment_field
from .forms import comments_from
from .forms import item_field
from .forms import only_csrf_failed
from .forms import ratings_from
from .forms import survey_form_class

bp = Blueprint("survey", __name__, url_prefix="/s")
csrf.exempt(bp)

ANSWERED_OPEN_LINKS = "answered_open_links"


def _unavailable(reason: str, status: int):
    return render_template("survey/unavailable.html", reason=reason), status


def _problem(link: services.SurveyLink | None):
    if link is None:
        return _unavailable("invalid", 404)
    refresh_status(link.round)
    if link.round.status == "draft":
        return _unavailable("not_open", 409)
    if link.round.status == "closed":
        return _unavailable("closed", 410)
    if link.answered or link.open_link_id in session.get(ANSWERED_OPEN_LINKS, []):
        return _unavailable("answered", 409)
    return None


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token: str):
    link = services.resolve(token)
    problem = _problem(link)
    if problem:
        return problem
    q = questionnaire.load(link.round.questionnaire_version)
    form = survey_form_class(q.version, False)()
    expired = False
    if form.is_submitted():
        if form.validate():
            try:
                services.submit(link, ratings_from(form, q), comments_from(form, q))
            except services.AlreadyAnswered:
                return _unavailable("answered", 409)
            except services.RoundNotOpen:
                return _unavailable("closed", 410)
            if link.open_link_id is not None:
                session[ANSWERED_OPEN_LINKS] = [
                    *session.get(ANSWERED_OPEN_LINKS, []),
                    link.open_link_id,
                ]
            return redirect(url_for("survey.thanks"))
        expired = only_csrf_failed(form)
    return render_template(
        "survey/form.html",
        form=form,
        q=q,
        a_round=link.round,
        group=q.group(link.group),
        expired=expired,
        item_field=item_field,
        comment_field=comment_field,
    )


@bp.get("/thanks")
def thanks():
    return render_template("survey/thanks.html")


@bp.route("/<token>/decline", methods=["GET", "POST"])
def decline(token: str):
    """Opt out of this round's email from the link in it; GET only asks (scanners open links)."""
    link = services.resolve(token)
    if link is None or link.invitation_id is None:
        return _unavailable("invalid", 404)
    invitation = db.session.get(Invitation, link.invitation_id)
    form = ActionForm()
    if form.validate_on_submit():
        decline_invitation(invitation)
        return render_template("survey/declined.html", a_round=link.round, done=True)
    return render_template("survey/declined.html", a_round=link.round, done=invitation.declined)
