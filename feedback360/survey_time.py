"""How long the survey takes, by one stated model; the survey says the figure it gives.

The model (issue 15): every word a respondent must read, at 238 words a minute (the mean silent
reading rate of adults for non-fiction, Brysbaert 2019), plus 3 seconds per required choice and
45 seconds per open question. `bench/survey_time.py` applies it to the pages as they render;
`estimate_for` applies it to the questionnaire data and the fixed words of the pages, so the
survey can state its time without rendering itself (a test keeps the two in agreement).

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from . import anonymity
from . import questionnaire

WORDS_PER_MINUTE = 238
SECONDS_PER_CHOICE = 3
SECONDS_PER_OPEN_QUESTION = 45


_LIST_MARKER = re.compile(r"^\(?\d+[.)]$")


def count_words(text: str) -> int:
    """Words as a reader meets them: runs between spaces with a letter or digit in them.
    "—" and "·" are not words, nor is a list number such as "3." (read at a glance);
    "X", "don't" and "2026" are."""
    return sum(
        1
        for token in text.split()
        if any(ch.isalnum() for ch in token) and not _LIST_MARKER.match(token)
    )


@dataclass(frozen=True)
class Estimate:
    words: int
    choices: int
    open_questions: int

    @property
    def seconds(self) -> float:
        return (
            self.words * 60 / WORDS_PER_MINUTE
            + self.choices * SECONDS_PER_CHOICE
            + self.open_questions * SECONDS_PER_OPEN_QUESTION
        )

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    @property
    def stated_minutes(self) -> int:
        """The whole minutes the survey states: rounded up, so it never promises less."""
        return max(1, math.ceil(round(self.minutes, 6)))


# --- The survey's own estimate, from the questionnaire data -----------------------------------

# Words the pages add around the questionnaire's own text, as the templates have them. Step 1:
# "Step 1 of 2", "How does <leader> show up online?" (a two-word name), "You are answering as:",
# "In your own words", its button "Step 2 of 2: check and send", and "Add an example", read once
# (the same words under each dimension are recognised, as bench/survey_time.py counts them).
# Step 2: "Step 2 of 2", "Check and send", "How your answers will appear", "Nothing is saved
# yet." and its two buttons. tests/test_survey_time.py checks them against the rendered pages.
SURVEY_PAGE_WORDS = 4 + 7 + 4 + 4 + 7 + 3
REVIEW_PAGE_WORDS = 4 + 3 + 5 + 4 + 3 + 3
OPTIONAL_HINT_WORDS = 1  # "Optional." under a platforms question that does not say so


def estimate_for(
    q: questionnaire.Questionnaire, group_id: str, open_link: bool, threshold: int = 3
) -> Estimate:
    """The model applied to what a respondent of `group_id` reads and does: the survey (step 1)
    and the review (step 2) for complete answers without comments, as bench/survey_time.py
    measures the rendered pages. The introduction's own figure does not change its length."""
    group = q.group(group_id)
    texts = [
        q.introduction_for(1),
        group.label,
        group.description,
        anonymity.survey_promise(threshold),
        anonymity.COMMENT_CAUTION,
        *q.scale,
        q.not_observed,
        anonymity.review_outlook(anonymity.OWN_OR_COMBINED, group, threshold),
        anonymity.review_comments_rule(anonymity.OWN_OR_COMBINED, threshold),
    ]
    if open_link:
        texts.append(anonymity.OPEN_LINK_NOTE)
    if q.platforms:
        texts += [q.platforms_question, *(p.label for p in q.platforms)]
    for dim in q.dimensions:
        texts.append(dim.title)
        if q.dimension_descriptions_on_survey:
            texts.append(dim.description)
        texts += [item.text for item in dim.items]
    for question in q.open_questions:
        texts += [question.text, question.prompt]
    words = sum(count_words(text) for text in texts)
    words += SURVEY_PAGE_WORDS + REVIEW_PAGE_WORDS
    if q.platforms and "optional" not in q.platforms_question.lower():
        words += OPTIONAL_HINT_WORDS
    return Estimate(words, len(q.items), len(q.open_questions))


def stated_minutes(q: questionnaire.Questionnaire, group_id: str, open_link: bool) -> int:
    """The "about N minutes" the survey states to a respondent of this group and link."""
    return _stated_minutes(q.version, group_id, open_link)


@cache
def _stated_minutes(version: str, group_id: str, open_link: bool) -> int:
    return estimate_for(questionnaire.load(version), group_id, open_link).stated_minutes
