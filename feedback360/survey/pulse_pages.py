"""A pulse's survey pages: the same two steps as a full round's (views.py, pages.py), with the
pulse's few statements and its change question, and no comments or platforms.

What a send stores is `followup.survey.pulse_answers`'s: the ratings and one change answer per
target, as `Answer` rows of the response, through the survey's own `submit`.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from .. import anonymity
from ..followup.survey import local_pulse_survey
from ..followup.survey import pulse_answers
from ..followup.survey import pulse_minutes
from ..i18n import current_language
from ..pulse import CANT_SAY
from ..pulse import PulseSurvey
from ..rounds.services.progress import live_pools_of
from . import pages
from . import services
from .forms import ratings_from
from .link_csrf import link_csrf_meta
from .pulse_form import hidden_fields
from .pulse_form import pulse_form_class


class ForgedAnswers(Exception):
    """A send with answers no pulse page offers: nothing is stored."""


def survey_of(link: services.SurveyLink) -> PulseSurvey:
    return local_pulse_survey(link.round_id, link.questionnaire_version, current_language())


def pulse_form(link: services.SurveyLink, token: str, survey: PulseSurvey):
    """The form, its CSRF token bound to the link for an invitation, else to the session."""
    target_ids = tuple(t.target.id for t in survey.targets)
    form_class = pulse_form_class(link.questionnaire_version, target_ids, current_language())
    if link.invitation_id is not None:
        return form_class(meta=link_csrf_meta(token))
    return form_class()


def form_page(link, form, survey: PulseSurvey, rate_limited=False, retry=False, **flags):
    """Step 1: the focus statements and the change question, with what was posted in place."""
    a_round = link.round
    if a_round is None:  # deleted since its link was resolved
        return pages.unavailable("invalid", 404)
    open_link = link.open_link_id is not None
    q = survey.questionnaire
    page = render_template(
        "survey/pulse_form.html",
        form=form,
        q=q,
        survey=survey,
        a_round=a_round,
        group=q.group(link.group),
        minutes=pulse_minutes(a_round, link.group, open_link),
        open_link=open_link,
        cant_say=CANT_SAY,
        rate_limited=rate_limited,
        retry=retry,
        lang_query=pages.language_query(),
        **flags,
    )
    return page, pages.status(rate_limited, retry)


def review_page(link, form, survey: PulseSurvey, rate_limited=False, retry=False, **flags):
    """Step 2: how the answers will appear, then the send button (the survey's review page)."""
    a_round = link.round
    if a_round is None:
        return pages.unavailable("invalid", 404)
    group = survey.questionnaire.group(link.group)
    outlook = anonymity.answer_outlook(group.id, live_pools_of(a_round))
    page = render_template(
        "survey/review.html",
        form=form,
        q=survey.questionnaire,
        a_round=a_round,
        open_link=link.open_link_id is not None,
        rate_limited=rate_limited,
        retry=retry,
        lang_query=pages.language_query(),
        group=group,
        outlook=outlook,
        printed=outlook != anonymity.LEFT_OUT,
        outlook_text=anonymity.review_outlook(outlook, group, a_round.anonymity_threshold),
        comments_rule="",  # a pulse asks for no comments
        pulse_note=_(
            "Nobody, the app included, can tell whether the same person answered both times."
        ),
        own=[],
        hidden=hidden_fields(form, survey),
        **flags,
    )
    return page, pages.status(rate_limited, retry)


def answer(link: services.SurveyLink, token: str):
    """The pulse's answer to a survey request: a page, or None once the answers are stored."""
    survey = survey_of(link)
    form = pulse_form(link, token, survey)
    if not form.is_submitted() or pages.step() == pages.CHANGE:
        return form_page(link, form, survey)
    form.validate()
    if pages.answer_errors(form):
        return form_page(link, form, survey)
    if pages.step() == pages.REVIEW:
        cookies_needed = pages.open_link_without_cookies(link, form)
        return review_page(link, form, survey, cookies_needed=cookies_needed)
    if "csrf_token" in form.errors:
        cookies_needed = pages.open_link_without_cookies(link, form)
        return review_page(
            link, form, survey, expired=not cookies_needed, cookies_needed=cookies_needed
        )
    try:
        answers = pulse_answers(survey, ratings_from(form, survey.questionnaire), form.changes.data)
    except ValueError:  # the form checked every choice: only a forged post gets here
        message = _("These answers do not fit this follow-up, so nothing was saved.")
        return render_template("error.html", code=400, message=message), 400
    try:
        services.submit(link, answers, {})
    except tuple(pages.SUBMIT_REFUSALS) as refusal:
        return pages.unavailable(*pages.SUBMIT_REFUSALS[type(refusal)], token)
    return None


def page_again(link: services.SurveyLink, token: str, **flags):
    """The pulse once more with what was posted, for a request stopped before anything was
    saved (the rate limit, a database failure)."""
    survey = survey_of(link)
    form = pulse_form(link, token, survey)
    if not form.is_submitted() or pages.step() == pages.CHANGE:
        return form_page(link, form, survey, **flags)
    form.validate()
    if pages.answer_errors(form):
        return form_page(link, form, survey, **flags)
    return review_page(link, form, survey, **flags)
