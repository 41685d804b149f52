"""How long the survey takes, by one stated model; the survey says the figure it gives.

The model (issue 15): every word a respondent must read, at 238 words a minute (the mean silent
reading rate of adults for non-fiction, Brysbaert 2019), plus 3 seconds per required choice and
45 seconds per open question. `bench/survey_time.py` applies it to the pages as they render.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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
