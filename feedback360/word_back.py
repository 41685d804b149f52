"""A word back to the raters: a draft the leader edits, then sends once to everyone asked.

The message goes to every invitee, answered or not (and on the open link's page), so it must
say nothing about who answered or what any one person wrote. The draft therefore uses only:

- the dimension titles of the report's summary (`Analysis.strengths` and `Analysis.work_on`,
  which rest on shown figures only), never a statement's figure or a comment;
- the leader's own plan (`focus.FocusEntry`): the target's title, in the leader's voice for a
  statement (its `self_text`), and the action and platform the leader typed. The leader's
  measure of success stays out: it is for them and their coach.

`Analysis` also carries words taken from comments (`intent`, `themes`); the draft never reads
them, so a comment can appear in the message only if the leader types it in.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Sequence

from .analysis import Analysis
from .focus import ANY_PLATFORM
from .focus import DIMENSION
from .focus import FocusEntry
from .focus import resolve_target
from .questionnaire import Questionnaire
from .text import clean_text
from .wording import N_
from .wording import _

WORD_BACK_MAX = 4000
# The draft's fixed sentences, in the leader's language where they are used (`_`).
OPENING = N_("Thank you for your feedback on how I show up online.")
PULSE_NOTE = N_(
    "In a few weeks I will send a short follow-up, under two minutes, to ask whether you have "
    "noticed a change."
)
CLOSING = N_("Thank you again for taking the time.")


def _dimension_titles(item_ids: Sequence[str], questionnaire: Questionnaire) -> list[str]:
    """The titles of these items' dimensions, each once, in the order first met."""
    dimension_of = {item.id: item.dimension_id for item in questionnaire.items}
    titles: list[str] = []
    for item_id in item_ids:
        if item_id in dimension_of:
            title = questionnaire.dimension(dimension_of[item_id]).title
            if title not in titles:
                titles.append(title)
    return titles


def _quoted_list(titles: Sequence[str]) -> str:
    quoted = [_("“%(title)s”", title=title) for title in titles]
    if len(quoted) == 1:
        return quoted[0]
    return _("%(first)s and %(last)s", first=", ".join(quoted[:-1]), last=quoted[-1])


def what_i_heard(analysis: Analysis, questionnaire: Questionnaire) -> str:
    """Strengths and areas to grow, as dimension titles; "" when the summary names none.

    A dimension with both a strength and something to work on is named once, as the latter.
    """
    areas = _dimension_titles([p.item_id for p in analysis.work_on], questionnaire)
    strengths = [
        title
        for title in _dimension_titles([p.item_id for p in analysis.strengths], questionnaire)
        if title not in areas
    ]
    if strengths and areas:
        return _(
            "What I heard: you see me at my strongest in %(strengths)s. "
            "I have most room to grow in %(areas)s.",
            strengths=_quoted_list(strengths),
            areas=_quoted_list(areas),
        )
    if strengths:
        return _(
            "What I heard: you see me at my strongest in %(strengths)s.",
            strengths=_quoted_list(strengths),
        )
    if areas:
        return _(
            "What I heard: you see most room for me to grow in %(areas)s.",
            areas=_quoted_list(areas),
        )
    return ""


def plan_line(entry: FocusEntry, questionnaire: Questionnaire) -> str:
    """One entry of the plan in the leader's voice: the target, where, what they will do."""
    target = resolve_target(questionnaire, entry.target_id)
    if target is None:
        about = ""
    elif target.kind == DIMENSION:
        about = _("“%(title)s”", title=target.title)
    else:
        item = next(i for i in questionnaire.items if i.id == target.id)
        about = _("“%(title)s”", title=item.self_text.rstrip("."))
    where = (
        ""
        if entry.platform == ANY_PLATFORM
        else _("on %(platform)s", platform=questionnaire.platform_label(entry.platform))
    )
    head = ", ".join(part for part in (about, where) if part)
    return f"- {head}: {entry.action}" if head else f"- {entry.action}"


def draft_word_back(
    questionnaire: Questionnaire,
    analysis: Analysis,
    plan: Sequence[FocusEntry],
    pulse_planned: bool = False,
) -> str:
    """The editable draft: thanks, what I heard, what I will do, and the follow-up if planned."""
    paragraphs = [_(OPENING)]
    heard = what_i_heard(analysis, questionnaire)
    if heard:
        paragraphs.append(heard)
    if plan:
        lines = [plan_line(entry, questionnaire) for entry in plan]
        paragraphs.append(_("What I will do:") + "\n" + "\n".join(lines))
    if pulse_planned:
        paragraphs.append(_(PULSE_NOTE))
    paragraphs.append(_(CLOSING))
    return "\n\n".join(paragraphs)


def check_word_back(text: str | None) -> tuple[str, list[str]]:
    """The message as it will be sent (cleaned), and what is wrong with it, in plain words."""
    cleaned = clean_text(text)
    if not cleaned:
        return cleaned, [_("Write a message before sending it.")]
    if len(cleaned) > WORD_BACK_MAX:
        return cleaned, [
            _(
                "Please keep the message to %(most)d characters; it has %(length)d.",
                most=WORD_BACK_MAX,
                length=len(cleaned),
            )
        ]
    return cleaned, []
