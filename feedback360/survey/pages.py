"""The survey's pages, built from a request: step 1 (the questions), step 2 (the review) and
the pages for a link that cannot take an answer. views.py decides which one a request gets."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request
from flask import url_for

from ..followup.pulses import open_pulse_link_for
from ..followup.word_backs import word_back_for_open_link
from ..forms import ActionForm
from ..i18n import CHOICE_PARAMETER
from ..i18n import chosen_on_page
from ..rounds.services.lifecycle import is_overdue
from ..rounds.services.lifecycle import refresh_status
from ..survey_time import stated_minutes
from ..text import clean_text
from . import services
from .forms import comment_field
from .forms import survey_form_class
from .link_csrf import link_csrf_meta
from .review import nudged_before
from .review import review_context

REVIEW, CHANGE, SEND = "review", "change", "send"  # `?go=` of the buttons' form actions


def step() -> str:
    """Which button sent the form, from the query string: the rate limit reads it before the
    body is parsed (a body too large must still get its 413). A post without one is a send:
    the survey's form before it had a review step (a page open across an upgrade;
    bench/load.py). An unknown one reviews, which stores nothing."""
    go = request.args.get("go")
    if go is None:
        return SEND
    return go if go in (REVIEW, CHANGE, SEND) else REVIEW


# What the database refused at submit time (a race lost since the page was checked), and the
# page it gets: the same pages `problem` shows before the form.
SUBMIT_REFUSALS = {
    services.AlreadyAnswered: ("used_now", 409),
    services.RoundNotOpen: ("closed", 410),
    services.LinkPaused: ("paused", 409),
    services.LinkFull: ("full", 410),
    services.LinkAwaitingCoach: ("awaiting", 409),
}


MAX_KEPT_WORDS = 40  # comment boxes echoed back at most; the survey has 13


def posted_words(token: str) -> list[str]:
    """What a respondent wrote in a post that cannot be saved, to show back for copying.

    Only for a post from a page this app served for this link (its CSRF token holds), so no
    other site can make the app show text of its choosing.
    """
    if request.method != "POST":
        return []
    by_link = ActionForm(meta=link_csrf_meta(token))
    if not (by_link.validate() or ActionForm().validate()):
        return []
    texts = (clean_text(v) for k, v in request.form.items(multi=True) if k.startswith("comment_"))
    return [text for text in texts if text][:MAX_KEPT_WORDS]


def unavailable(reason: str, status: int, token: str = "", **after_close):
    words = posted_words(token) if token else []
    page = render_template("survey/unavailable.html", reason=reason, words=words, **after_close)
    return page, status


def closed(link: services.SurveyLink, token: str):
    """A closed round's link: the leader's word back, if sent (`followup.word_backs`), and the
    way to the follow-up while it runs (an old open link; `followup.pulses`)."""
    pulse_token = open_pulse_link_for(token)
    return unavailable(
        "closed",
        410,
        token,
        follow_up=link.is_pulse,
        leader=link.round.leader.name if link.round is not None else "",
        word_back=word_back_for_open_link(token),
        pulse_link=url_for("survey.answer", token=pulse_token) if pulse_token else None,
    )


def problem(link: services.SurveyLink | None, token: str, answered_here: list[int]):
    """The page for a link that cannot take an answer now, or None.

    `answered_here`: the open links this browser has answered (its cookie).
    """
    if link is None:
        return unavailable("invalid", 404, token)
    if is_overdue(link.round_status, link.closes_on):
        # The round is read again here; by now someone else may have closed or deleted it.
        if link.round is not None:
            refresh_status(link.round)
        return unavailable("closed", 410, token, follow_up=link.is_pulse)
    if link.round_status == "draft":
        return unavailable("not_open", 409, token)
    if link.round_status == "closed":
        return closed(link, token)
    if link.answered:
        return unavailable("used_now" if request.method == "POST" else "used", 409, token)
    if link.open_link_id in answered_here:
        return unavailable("answered_here", 409, token)
    if link.awaiting:
        return unavailable("awaiting", 409, token)
    if link.paused:
        return unavailable("paused", 409, token)
    if link.full:
        return unavailable("full", 410, token)
    return None


def survey_form(link: services.SurveyLink, token: str, q):
    """The form, with its CSRF token bound to the link for an invitation, else to the session."""
    form_class = survey_form_class(q.version, False, q.locale)
    if link.invitation_id is not None:
        return form_class(meta=link_csrf_meta(token))
    return form_class()


def sent_no_cookies() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def status(rate_limited: bool, retry: bool) -> int:
    return 429 if rate_limited else 503 if retry else 200


def language_query() -> str:
    """The language picked on the switch, for the page's form actions to carry on (`&lang=es`),
    or nothing when the page follows the link and the browser (they decide again each time)."""
    chosen = chosen_on_page()
    return f"&{CHOICE_PARAMETER}={chosen}" if chosen else ""


def form_page(link: services.SurveyLink, form, q, rate_limited=False, retry=False, **flags):
    """Step 1: the questions, with what was posted (if anything) in place."""
    if link.round is None:  # deleted since its link was resolved
        return unavailable("invalid", 404)
    page = render_template(
        "survey/form.html",
        form=form,
        q=q,
        a_round=link.round,
        group=q.group(link.group),
        minutes=stated_minutes(q, link.group, link.open_link_id is not None),
        open_link=link.open_link_id is not None,
        nudged=nudged_before(q) if form.is_submitted() else [],
        rate_limited=rate_limited,
        retry=retry,
        comment_field=comment_field,
        lang_query=language_query(),
        **flags,
    )
    return page, status(rate_limited, retry)


def review_page(link: services.SurveyLink, form, q, rate_limited=False, retry=False, **flags):
    """Step 2: how the answers will appear, the respondent's comments, and the send button."""
    if link.round is None:
        return unavailable("invalid", 404)
    page = render_template(
        "survey/review.html",
        form=form,
        q=q,
        a_round=link.round,
        open_link=link.open_link_id is not None,
        rate_limited=rate_limited,
        retry=retry,
        lang_query=language_query(),
        **review_context(link, form, q),
        **flags,
    )
    return page, status(rate_limited, retry)


def answer_errors(form) -> bool:
    """Whether an answer needs the respondent (a CSRF failure is the page's, not theirs)."""
    return bool(set(form.errors) - {"csrf_token"})


def open_link_without_cookies(link: services.SurveyLink, form) -> bool:
    """An open link's token lives in the session cookie: without cookies it never holds."""
    return link.open_link_id is not None and form.meta.csrf and sent_no_cookies()


def page_for_post(link: services.SurveyLink, form, q, **flags):
    """The page a post returns to when it is not saved: step 1 for a change or for answers
    that need the respondent, else step 2 with everything in place."""
    if step() == CHANGE:
        return form_page(link, form, q, **flags)
    form.validate()
    if answer_errors(form):
        return form_page(link, form, q, **flags)
    return review_page(link, form, q, **flags)
