"""The respondent's side: no account, no JavaScript, no trace of who answered what.

A GET never uses a link up (mail scanners open every link); only the submitting POST does, and it
ends on a token-free thank-you page. The survey has two steps: step 1 asks, its button shows
step 2 (`review`), which says how the answers will appear and sends them. Nothing is stored
between the two: the answers travel in the review page (see review.py).

The blueprint is exempt from the global CSRF check so that an expired token can be handled
here: the respondent keeps their answers and is asked to submit again.
A personal link's form carries a token bound to the link (`link_csrf`), so it works without
cookies; an open link's is bound to the session cookie, and a post without cookies is told so.

Whatever stops a submit (an expired token, the rate limit, a database that failed mid-way) ends on
the survey again with every answer in place: nothing a respondent typed is lost.

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
from flask_babel import gettext as _
from itsdangerous import BadData
from itsdangerous import URLSafeSerializer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..declines import has_declined
from ..extensions import csrf
from ..extensions import db
from ..extensions import limiter
from ..forms import ActionForm
from ..i18n import CHOICE_PARAMETER
from ..i18n import chosen_on_page
from ..i18n import local_questionnaire
from ..i18n import use_survey_languages
from ..keys import secret_keys
from ..models import Invitation
from ..rounds.services.invitations import decline as decline_invitation
from ..web import safe_exception_summary
from . import pages
from . import pulse_pages
from . import services
from .forms import comments_from
from .forms import only_csrf_failed
from .forms import platforms_from
from .forms import ratings_from
from .link_csrf import link_csrf_meta

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


def _resolve(token: str) -> services.SurveyLink | None:
    """The token's link, and the languages its page follows (i18n.select_locale)."""
    link = services.resolve(token)
    if link is not None:
        use_survey_languages(link.invitation_language, link.round_language)
    return link


def _survey_rate_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT"]


def _not_a_send() -> bool:
    """The rate limit counts submits; the steps before one store nothing."""
    return request.method == "POST" and pages.step() != pages.SEND


@bp.after_request
def _not_for_search_engines(response):
    """Survey pages are for the people given the link, not for search results."""
    response.headers.setdefault("X-Robots-Tag", "noindex")
    return response


def _form_again(**flags):
    """The survey once more with what was posted, for a request stopped before anything was
    saved; None if the link cannot take an answer now (its own page says why)."""
    token = (request.view_args or {}).get("token", "")
    link = _resolve(token)
    if (
        request.endpoint != "survey.answer"
        or link is None
        or pages.problem(link, token, answered_open_links()) is not None
    ):
        return None
    if link.is_pulse:
        return pulse_pages.page_again(link, token, **flags)
    q = local_questionnaire(link.questionnaire_version)
    form = pages.survey_form(link, token, q)
    if request.method != "POST":
        return pages.form_page(link, form, q, **flags)
    return pages.page_for_post(link, form, q, **flags)


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_survey_rate_limit, methods=["POST"], exempt_when=_not_a_send)
def answer(token: str):
    link = _resolve(token)
    problem = pages.problem(link, token, answered_open_links())
    if problem:
        return problem
    if link.is_pulse:
        page = pulse_pages.answer(link, token)
        return page if page is not None else _thanks(link)
    q = local_questionnaire(link.questionnaire_version)
    form = pages.survey_form(link, token, q)
    if not form.is_submitted():
        return pages.form_page(link, form, q)
    step = pages.step()
    if step == pages.CHANGE:
        return pages.form_page(link, form, q)
    form.validate()
    if pages.answer_errors(form):
        return pages.form_page(link, form, q)
    if step == pages.REVIEW:  # nothing to store yet; the send needs cookies, so say so now
        return pages.review_page(
            link, form, q, cookies_needed=pages.open_link_without_cookies(link, form)
        )
    if only_csrf_failed(form):
        cookies_needed = pages.open_link_without_cookies(link, form)
        return pages.review_page(
            link, form, q, expired=not cookies_needed, cookies_needed=cookies_needed
        )
    try:
        services.submit(
            link, ratings_from(form, q), comments_from(form, q), platforms_from(form, q)
        )
    except tuple(pages.SUBMIT_REFUSALS) as refusal:
        return pages.unavailable(*pages.SUBMIT_REFUSALS[type(refusal)], token)
    return _thanks(link)


def _thanks(link: services.SurveyLink):
    """After a send: the token-free thank-you page; an open link is remembered as answered."""
    # The thank-you page in the language picked on the switch, if one was: it has no link to
    # follow. The language goes nowhere else (not with the response, see models.Response).
    response = redirect(url_for("survey.thanks", **{CHOICE_PARAMETER: chosen_on_page()}))
    if link.open_link_id is not None:
        remember_answered(response, link.open_link_id)
    return response


@bp.errorhandler(429)
def _too_many_answers(error):
    """Over the rate limit: nothing was saved, but show the answers again to send later."""
    page = _form_again(rate_limited=True)
    if page is not None:
        return page
    message = _(
        "Too many answers have come from this connection, so nothing was saved. "
        "Wait a minute, go back and send your answers again."
    )
    return render_template("error.html", code=429, message=message), 429


@bp.errorhandler(DBAPIError)
@bp.errorhandler(PoolTimeout)
def _database_failed(error):
    """The database failed mid-request: locked too long, a connection killed, a statement timed
    out. The transaction is rolled back, so nothing was saved and the link is not used up; the
    respondent gets every answer back to send again. The log says where it failed, never what
    the statement carried (see `web.KeepAnswersOutOfLogs`)."""
    db.session.rollback()
    current_app.logger.warning(
        "A survey request failed in the database; nothing was saved and the respondent was "
        "asked to send again.\n%s",
        safe_exception_summary(error),
    )
    try:
        page = _form_again(retry=request.method == "POST")
    except (DBAPIError, PoolTimeout):  # still failing: a plain page, never a bare 500
        db.session.rollback()
        page = None
    if page is not None:
        return page
    message = _(
        "That did not go through, and nothing was saved. Please go back and try again in a "
        "moment; on the survey, press “%(button)s” again (your answers should still be "
        "on the page).",
        button=_("Send my feedback"),
    )
    return render_template("error.html", code=503, message=message), 503


@bp.get("/thanks")
def thanks():
    return render_template("survey/thanks.html")


@bp.route("/<token>/decline", methods=["GET", "POST"])
def decline(token: str):
    """Opt out of this round's email from the link in it; GET only asks (scanners open links)."""
    link = _resolve(token)
    if link is None or link.invitation_id is None:
        return pages.unavailable("invalid", 404)
    invitation = db.session.get(Invitation, link.invitation_id)
    if invitation is None:  # its round was deleted since the link was resolved
        return pages.unavailable("invalid", 404)
    form = ActionForm(meta=link_csrf_meta(token))  # a personal link: works without cookies
    if form.validate_on_submit():
        decline_invitation(invitation)
        return render_template("survey/declined.html", a_round=link.round, done=True)
    a_round = link.round
    # A closed round has forgotten `declined`: its declines are kept as digests (`declines`).
    if a_round.status == "closed":
        done = has_declined(a_round.original_id, invitation.email)
    else:
        done = invitation.declined
    return render_template("survey/declined.html", a_round=a_round, done=done, form=form)
