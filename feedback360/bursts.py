"""Spotting a burst of open-link answers, a sign that someone may be stuffing the survey. Pure.

The rule, in plain words: an open link's answers "arrived in a burst" when a single clock hour
holds at least 10 of them and at least half of all the answers that link has received. Ten keeps
small links quiet (five friends answering over lunch is normal); half means the hour dominates
the link. A burst is a reason to look, not proof: a post that goes viral does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from .wording import _

MIN_ANSWERS = 10
MIN_SHARE = 0.5


@dataclass(frozen=True)
class Burst:
    hour: datetime  # start of the clock hour, UTC
    answers: int  # answers in that hour
    total: int  # all answers the link has received

    def caution(self, group_name: str, day_words: Callable[[date], str] | None = None) -> str:
        """A sentence for the leader about the open link of `group_name`, as named inside a
        sentence (questionnaire.Group.in_sentence: "followers"). `day_words` writes the day in
        the language being rendered (i18n.local_date, "day"); English without it."""
        day = self.hour.date()
        return _(
            "On %(day)s, %(answers)d of the %(total)d answers through the open link for "
            "%(group)s arrived within one hour: check they are genuine.",
            day=day_words(day) if day_words else f"{day.day} {day:%B}",
            answers=self.answers,
            total=self.total,
            group=group_name,
        )


def detect_bursts(hours: list[tuple[datetime, int]], total: int) -> list[Burst]:
    """The hours that break the rule above, oldest first.

    `hours` are (start of hour, answers) pairs; `total` is every answer the link received.
    """
    return [
        Burst(hour, answers, total)
        for hour, answers in sorted(hours)
        if answers >= MIN_ANSWERS and answers >= MIN_SHARE * total
    ]
