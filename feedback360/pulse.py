"""A follow-up pulse: the focus statements again, and whether raters noticed a change.

Some weeks after a round, the same invitees (fresh links) and the open link get a short survey:
per focus target, its statements on the round's own scale (so the figures compare) and "Have
you noticed a change in how they do this?". No comment box and no platform question: it stays
under two minutes by `survey_time`'s model, and words are what could identify someone.

- A dimension target brings at most `MAX_ITEMS_PER_TARGET` of its statements, the first in
  questionnaire order (2026.3 has two per dimension, the most observable; older versions three).
  With three targets that is at most six ratings and three change questions.
- The pulse is a round of its own for anonymity: `pulse_questionnaire` is an ordinary
  `Questionnaire`, so `aggregation.aggregate` applies every rule of a full round (groups shown,
  folded or left out by the pulse's own counts and threshold; withheld cells; distributions
  only from `detail_threshold` raters).
- The change answers are counted over reported units only, and shown only when at least the
  detail threshold gave an answer other than "Can't say" (as an item's distribution needs that
  many numeric ratings); otherwise nothing, not even the count, is shown.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from . import anonymity
from .aggregation import effective_detail_threshold
from .anonymity import Visibility
from .focus import MAX_ENTRIES
from .focus import FocusTarget
from .focus import resolve_target
from .questionnaire import MINUTES
from .questionnaire import Dimension
from .questionnaire import Questionnaire
from .survey_time import REVIEW_PAGE_WORDS
from .survey_time import SURVEY_PAGE_WORDS
from .survey_time import Estimate
from .survey_time import count_words
from .wording import N_

MAX_ITEMS_PER_TARGET = 2
MAX_MINUTES = 2
# English source marked for extraction: the survey shows them through `_()`.
CHANGE_QUESTION = N_("Have you noticed a change in how they do this?")
CANT_SAY = "cant_say"
# Worse to better, like the rating scale's low to high; "Can't say" apart, like "Not observed".
CHANGE_OPTIONS = (
    ("clearly_worse", N_("Clearly worse")),
    ("a_little_worse", N_("A little worse")),
    ("no_change", N_("No change")),
    ("a_little_better", N_("A little better")),
    ("clearly_better", N_("Clearly better")),
    (CANT_SAY, N_("Can’t say")),
)
INTRODUCTION = (
    "A short follow-up: some weeks ago they asked for feedback on how they show up online and "
    "chose what to work on. Answer from what you have seen since then, and choose “{not_observed}” "
    f"for what you have not. It takes about {MINUTES} minutes."
)


@dataclass(frozen=True)
class PulseTarget:
    """One focus target as the pulse asks it: under its dimension's title, its statements, then
    the change question (answers stored under the target's id)."""

    target: FocusTarget
    heading: str  # the dimension's title
    item_ids: tuple[str, ...]  # at most MAX_ITEMS_PER_TARGET


@dataclass(frozen=True)
class PulseSurvey:
    questionnaire: Questionnaire  # only the focus statements, for the survey and `aggregate`
    targets: tuple[PulseTarget, ...]
    change_question: str = CHANGE_QUESTION
    change_options: tuple[tuple[str, str], ...] = CHANGE_OPTIONS


def pulse_survey(original: Questionnaire, target_ids: Sequence[str]) -> PulseSurvey:
    """The pulse for these focus targets of a round on `original` (a checked plan's targets).

    Raises ValueError for no target, more than `focus.MAX_ENTRIES`, an unknown id or targets
    that share a statement: `focus.check_plan` refuses all of these, so it is a bug here.
    """
    if not 1 <= len(target_ids) <= MAX_ENTRIES:
        raise ValueError(f"A pulse asks about 1 to {MAX_ENTRIES} focus targets.")
    targets = []
    for target_id in target_ids:
        target = resolve_target(original, target_id)
        if target is None:
            raise ValueError(f"Unknown focus target {target_id!r}.")
        heading = original.dimension(target.dimension_id).title
        targets.append(PulseTarget(target, heading, target.item_ids[:MAX_ITEMS_PER_TARGET]))
    asked = [item_id for t in targets for item_id in t.item_ids]
    if len(asked) != len(set(asked)):
        raise ValueError("Two focus targets share a statement.")
    dimensions = tuple(
        Dimension(
            id=dim.id,
            title=dim.title,
            description=dim.description,
            fundamental=dim.fundamental,
            comment_prompt="",
            items=tuple(item for item in dim.items if item.id in asked),
        )
        for dim in original.dimensions
        if any(item.id in asked for item in dim.items)
    )
    questionnaire = Questionnaire(
        version=original.version,  # same statements, same ids: the figures compare
        title=f"Follow-up: {original.title}",
        introduction=INTRODUCTION.replace("{not_observed}", original.not_observed),
        scale=original.scale,
        not_observed=original.not_observed,
        groups=original.groups,
        dimensions=dimensions,
        open_questions=(),
        dimension_descriptions_on_survey=False,
    )
    return PulseSurvey(questionnaire, tuple(targets))


def estimate_pulse(
    survey: PulseSurvey, group_id: str, open_link: bool, threshold: int = 3
) -> Estimate:
    """`survey_time`'s model applied to the pulse as a respondent of `group_id` meets it.

    Counted as `survey_time.estimate_for` counts a full round, erring long: the introduction,
    the group, the promises, the scale once, per target its heading, statements and question,
    the change options once (a respondent recognises them after the first target, as the bench
    does repeated options), and the words of both pages of a full survey.
    """
    q = survey.questionnaire
    group = q.group(group_id)
    texts = [
        q.introduction_for(1),
        group.label,
        group.description,
        anonymity.survey_promise(threshold),
        *q.scale,
        q.not_observed,
        anonymity.review_outlook(anonymity.OWN_OR_COMBINED, group, threshold),
        *(label for _, label in survey.change_options),
    ]
    if open_link:
        texts.append(anonymity.OPEN_LINK_NOTE)
    text_of = {item.id: item.text for item in q.items}
    for target in survey.targets:
        texts += [target.heading, *(text_of[i] for i in target.item_ids), survey.change_question]
    words = sum(count_words(text) for text in texts) + SURVEY_PAGE_WORDS + REVIEW_PAGE_WORDS
    choices = len(q.items) + len(survey.targets)
    return Estimate(words, choices, 0)


# --- The change answers -----------------------------------------------------------------------


class ChangeRow(NamedTuple):
    """One answer to the change question: a row per respondent and target."""

    response_id: str
    group: str
    target_id: str
    answer: str  # an option id of CHANGE_OPTIONS


@dataclass(frozen=True)
class ChangeDistribution:
    target_id: str
    shown: bool
    counts: tuple[tuple[str, str, int], ...]  # (option id, label, count); all zero unless shown


def change_distributions(
    rows: Iterable[ChangeRow],
    visibility: Visibility,
    target_ids: Sequence[str],
    detail_threshold: int | None = None,
) -> dict[str, ChangeDistribution]:
    """Per target, how many chose each option, by the rules in the module docstring.

    `visibility`: the pulse's own (`RoundResults.visibility` of its `aggregate`).
    """
    options = dict(CHANGE_OPTIONS)
    detail = effective_detail_threshold(visibility.threshold, detail_threshold)
    tallies: dict[str, Counter[str]] = {target_id: Counter() for target_id in target_ids}
    answered: set[tuple[str, str]] = set()
    for response_id, group, target_id, answer in rows:
        if answer not in options:
            raise ValueError(f"Unknown answer {answer!r} to the change question.")
        if (response_id, target_id) in answered:
            raise ValueError(f"One response answers the change question on {target_id} twice.")
        answered.add((response_id, target_id))
        if target_id in tallies and visibility.unit_of(group) is not None:
            tallies[target_id][answer] += 1
    result = {}
    for target_id, tally in tallies.items():
        shown = tally.total() - tally[CANT_SAY] >= detail
        counts = tuple(
            (option, label, tally[option] if shown else 0) for option, label in CHANGE_OPTIONS
        )
        result[target_id] = ChangeDistribution(target_id, shown, counts)
    return result
