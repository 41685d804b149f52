"""The respondent's side: no account, no JavaScript, no trace of who answered what.

A GET never uses a link up (mail scanners open every link); only the submitting POST does, and it
ends on a token-free thank-you page. The blueprint is exempt from the global CSRF check so that an
expired token can be handled here: the respondent keeps their answers and is asked to submit again.

Open links are public, so submits are rate-limited per client address, and a signed cookie
remembers which open links this browser has answered: a speed bump, not a guarantee.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from itsdangerous import BadData
from itsdangerous import URLSafeSerializer

from .. import questionnaire
from ..extensions import csrf
from ..extensions import db
from ..extensions import limiter
from ..forms import ActionForm
from ..keys import secret_keys
from ..models import Invitation
from ..rounds.services import decline as decline_invitation
from ..rounds.services import is_overdue
from ..rounds.services import refresh_status
from . import services
from .forms import comment_field
from .forms import comments_from
from .forms import only_csrf_failed
from .forms import platforms_from
from .forms import ratings_from
from .forms import survey_form_class

bp = Blueprint("survey", __name__, url_prefix="/s")
csrf.exempt(bp)

ANSWERED_COOKIE = "f360_answered"
ANSWERED_SALT = "feedback360.answered-open-links"
ANSWERED_MAX_AGE = timedelta(days=180)
ANSWERED_KEEP = 50  # the most recent open links remembered; keeps the cookie small


def _answered_serializer() -> URLSafeSerializer:
    # Signed with the current key; accepted under any key it replaced (itsdangerous: newest last).
    return URLSafeSerializer(secret_keys()[::-1], salt=ANSWERED_SALT)


def answered_open_links() -> list[int]:
    """Open-link ids this browser has answered, from the signed cookie; forged means none."""
    raw = request.cookies.get(ANSWERED_COOKIE)
    if not raw:
        return []
    try:
        ids = _answered_serializer().loads(raw)
    except BadData:
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if type(i) is int]


def remember_answered(response, open_link_id: int) -> None:
    """Add the link to the cookie. It holds open-link ids only, never anything about answers."""
    ids = [i for i in answered_open_links() if i != open_link_id] + [open_link_id]
    response.set_cookie(
        ANSWERED_COOKIE,
        _answered_serializer().dumps(ids[-ANSWERED_KEEP:]),
        max_age=ANSWERED_MAX_AGE,
        path=f"{request.script_root}/s/",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )


def _survey_rate_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT"]


@bp.after_request
def _not_for_search_engines(response):
    """Survey pages are for the people given the link, not for search results."""
    response.headers.setdefault("X-Robots-Tag", "noindex")
    return response


# What the database refused at submit time (a race lost since the page was checked), and the
# page it gets: the same pages `_problem` shows before the form.
SUBMIT_REFUSALS = {
    services.AlreadyAnswered: ("answered", 409),
    services.RoundNotOpen: ("closed", 410),
    services.LinkPaused: ("paused", 409),
    services.LinkFull: ("full", 410),
}


def _unavailable(reason: str, status: int):
    return render_template("survey/unavailable.html", reason=reason), status


def _problem(link: services.SurveyLink | None):
    if link is None:
        return _unavailable("invalid", 404)
    if is_overdue(link.round_status, link.closes_on):
        # The round is read again here; by now someone else may have closed or deleted it.
        if link.round is not None:
            refresh_status(link.round)
        return _unavailable("closed", 410)
    if link.round_status == "draft":
        return _unavailable("not_open", 409)
    if link.round_status == "closed":
        return _unavailable("closed", 410)
    if link.answered or link.open_link_id in answered_open_links():
        return _unavailable("answered", 409)
    if link.paused:
        return _unavailable("paused", 409)
    if link.full:
        return _unavailable("full", 410)
    return None


def _form_page(link: services.SurveyLink, form, q, expired=False, rate_limited=False):
    if link.round is None:  # deleted since its link was resolved
        return _unavailable("invalid", 404)
    page = render_template(
        "survey/form.html",
        form=form,
        q=q,
        a_round=link.round,
        group=q.group(link.group),
        open_link=link.open_link_id is not None,
        expired=expired,
        rate_limited=rate_limited,
        comment_field=comment_field,
    )
    return page, (429 if rate_limited else 200)


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_survey_rate_limit, methods=["POST"])
def answer(token: str):
    link = services.resolve(token)
    problem = _problem(link)
    if problem:
        return problem
    q = questionnaire.load(link.questionnaire_version)
    form = survey_form_class(q.version, False)()
    expired = False
    if form.is_submitted():
        if form.validate():
            try:
                services.submit(
                    link, ratings_from(form, q), comments_from(form, q), platforms_from(form, q)
                )
            except tuple(SUBMIT_REFUSALS) as refusal:
                return _unavailable(*SUBMIT_REFUSALS[type(refusal)])
            response = redirect(url_for("survey.thanks"))
            if link.open_link_id is not None:
                remember_answered(response, link.open_link_id)
            return response
        expired = only_csrf_failed(form)
    return _form_page(link, form, q, expired=expired)


@bp.errorhandler(429)
def _too_many_answers(error):
    """Over the rate limit: nothing was saved, but show the answers again to send later."""
    link = services.resolve((request.view_args or {}).get("token", ""))
    if request.endpoint == "survey.answer" and link is not None and _problem(link) is None:
        q = questionnaire.load(link.questionnaire_version)
        form = survey_form_class(q.version, False)()
        return _form_page(link, form, q, rate_limited=True)
    message = (
        "Too many answers have come from this connection, so nothing was saved. "
        "Wait a minute, go back and send your answers again."
    )
    return render_template("error.html", code=429, message=message), 429


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
    if invitation is None:  # its round was deleted since the link was resolved
        return _unavailable("invalid", 404)
    form = ActionForm()
    if form.validate_on_submit():
        decline_invitation(invitation)
        return render_template("survey/declined.html", a_round=link.round, done=True)
    return render_template("survey/declined.html", a_round=link.round, done=invitation.declined)
