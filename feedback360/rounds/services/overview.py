"""The leader's list of rounds: per round, its answers as its page counts them and the dates
that matter in its state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...anonymity import answers_on_page
from ...models import Round
from .progress import progress_of


@dataclass(frozen=True)
class RoundLine:
    """One round on the dashboard. `answers` is None before the round opens (`not_open`) and
    for a closed round whose kept counts cannot be read; `some_groups_uncounted` says the round
    page counts some small group nowhere, so `answers` leaves it out as the page does."""

    round: Round
    answers: int | None
    not_open: bool
    some_groups_uncounted: bool
    created_on: date


def round_lines(rounds: list[Round]) -> list[RoundLine]:
    """The dashboard's lines. Answers come only from the round page's counts (`progress_of`):
    live while the round is open, as kept at close after, and nothing finer than a line of
    that page (anonymity.answers_on_page). Dates are UTC days; created_at's time of day is
    dropped, as every date the leader sees is a day."""
    lines = []
    for a_round in rounds:
        created_on = a_round.created_at.date()
        if a_round.status == "draft":
            lines.append(RoundLine(a_round, None, True, False, created_on))
            continue
        view = progress_of(a_round)
        lines.append(
            RoundLine(a_round, answers_on_page(view), False, bool(view.hidden_groups), created_on)
        )
    return lines
