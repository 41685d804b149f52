"""Step 2 of 2: what the respondent is about to send, and how it will appear, before anything
is stored.

Nothing about the respondent is kept between the steps: the answers travel in the review page
as hidden fields and come back with the final submit, where they are validated again as if
typed. What the page says about the report follows the round's invitations only
(`anonymity.answer_outlook`), never how many have answered.

A comment that names no platform, no moment and no effect (`specificity.lacks_context`, read in
the comment's own language) gets one gentle prompt to add one. Which comments were prompted
travels with the answers (`nudged`), so a respondent who goes back and keeps a comment as it is
is not asked again; it is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from .. import anonymity
from .. import questionnaire
from ..reports.services import comment_threshold
from ..rounds.services.progress import live_pools_of
from ..specificity import lacks_context
from .forms import PLATFORMS_FIELD
from .forms import RatingForm
from .forms import comment_field
from .forms import item_field

NUDGED_FIELD = "nudged"


@dataclass(frozen=True)
class OwnComment:
    """One of the respondent's comments as the report would print it, under its heading."""

    key: str
    heading: str
    text: str
    field_id: str  # where "Add a detail" leads back to on step 1
    nudge: bool


def nudged_before(q: questionnaire.Questionnaire) -> list[str]:
    """The comment keys already prompted, as posted; anything else is ignored."""
    posted = set(request.form.getlist(NUDGED_FIELD))
    return [key for key in q.comment_keys() if key in posted]


def own_comments(form: RatingForm, q: questionnaire.Questionnaire) -> list[OwnComment]:
    """The respondent's comments in page order, each with its one prompt where it lacks one."""
    headings = {d.id: d.title for d in q.dimensions} | {o.id: o.text for o in q.open_questions}
    asked = set(nudged_before(q))
    comments = []
    for key in q.comment_keys():
        text = form[comment_field(key)].data or ""
        if text:
            nudge = key not in asked and lacks_context(text)
            field = f"{comment_field(key)}-fieldset"
            comments.append(OwnComment(key, headings[key], text, field, nudge))
    return comments


def hidden_fields(form: RatingForm, q: questionnaire.Questionnaire) -> list[tuple[str, str]]:
    """Every answer as (name, value) pairs, the names step 1 posts, so that "Send my feedback"
    submits what step 1 would have and "Change my answers" shows it again."""
    pairs = [(item_field(item.id), form.ratings.chosen[item.id]) for item in q.items]
    if q.platforms:
        pairs += [(PLATFORMS_FIELD, p) for p in form[PLATFORMS_FIELD].data or ()]
    for key in q.comment_keys():
        text = form[comment_field(key)].data or ""
        if text:
            pairs.append((comment_field(key), text))
    prompted = set(nudged_before(q)) | {c.key for c in own_comments(form, q) if c.nudge}
    pairs += [(NUDGED_FIELD, key) for key in q.comment_keys() if key in prompted]
    return pairs


def review_context(link, form: RatingForm, q: questionnaire.Questionnaire) -> dict:
    """What the review page shows: the rules that apply to this respondent's group in this
    round, in the one source's words, and their own comments."""
    a_round = link.round
    group = q.group(link.group)
    outlook = anonymity.answer_outlook(group.id, live_pools_of(a_round))
    return {
        "group": group,
        "outlook": outlook,
        "printed": outlook != anonymity.LEFT_OUT,
        "outlook_text": anonymity.review_outlook(outlook, group, a_round.anonymity_threshold),
        "comments_rule": anonymity.review_comments_rule(outlook, comment_threshold(a_round)),
        "own": own_comments(form, q),
        "hidden": hidden_fields(form, q),
    }
