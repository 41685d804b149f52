"""Whether a round is ready for its next step, and what to tell the leader when it is not:
what is missing before it opens, and from which day reminders make sense.

Everything here depends only on what the leader did (invited, posted a link, rated themselves,
opened the round) and on the calendar, never on who answered: what the round page shows from it
must not move when one person answers or declines (see `anonymity.progress_view`).

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from .wording import _
from .wording import ngettext


@dataclass(frozen=True)
class Missing:
    """One thing a round lacks before it opens: `step` names it, `explanation` says why it
    matters and what to do (in the language being rendered, so worded when read); `blocks`
    when opening without it would make no sense."""

    step: str  # "people", "coach" or "self"
    blocks: bool
    coach_email: str | None = None  # the coach awaited, for "coach"

    @property
    def explanation(self) -> str:
        if self.step == "people":
            return _(
                "Nobody could answer yet: the round has no invitations and no open link, and "
                "opening is what sends invitations and makes links work."
            )
        if self.step == "coach":
            return _(
                "Your coach, %(email)s, has not approved the rater list yet: the round can open "
                "once they have. Any change you make to the list asks them again.",
                email=self.coach_email,
            )
        return _(
            "You have not rated yourself yet. The report compares what others see with your own "
            "view, shown as “Self”; without it that comparison is missing. You can still rate "
            "yourself while the round is open, up to its close."
        )


NOBODY_TO_ASK = Missing("people", blocks=True)
NO_SELF_RATING = Missing("self", blocks=False)


def coach_has_not_approved(coach_email: str) -> Missing:
    """The leader asked this coach to vouch for the rater list (rounds.services.approval)."""
    return Missing("coach", blocks=True, coach_email=coach_email)


def missing_before_open(
    invitations: int, open_links: int, self_rated: bool, awaited_coach: str | None = None
) -> tuple[Missing, ...]:
    """What a draft round lacks before it opens, the blocking things first. `awaited_coach`:
    the coach asked to approve the rater list who has not yet."""
    missing = []
    if not invitations and not open_links:
        missing.append(NOBODY_TO_ASK)
    if awaited_coach is not None:
        missing.append(coach_has_not_approved(awaited_coach))
    if not self_rated:
        missing.append(NO_SELF_RATING)
    return tuple(missing)


def may_open(missing: tuple[Missing, ...], accepted: bool) -> bool:
    """Whether the round may open: nothing missing, or only what the leader chose to skip."""
    return not any(m.blocks for m in missing) and (accepted or not missing)


@dataclass(frozen=True)
class ReminderTiming:
    """When the leader may first remind: `first_day`, `wait_days` after the first invitations
    went out; `ready` once that day has come."""

    first_day: date
    wait_days: int
    invited_on: date
    ready: bool

    def button_text(self, day_words: Callable[[date], str] | None = None) -> str:
        """The remind button's words while it waits: "Remind from 7 December". `day_words`
        writes a day and month in the language being rendered (i18n.local_date, "day")."""
        day_words = day_words or day_and_month
        return _("Remind from %(day)s", day=day_words(self.first_day))

    def why_wait_text(self, day_words: Callable[[date], str] | None = None) -> str:
        """Why the button waits, also the refusal of a reminder asked for too early."""
        day_words = day_words or day_and_month
        return ngettext(
            "Reminders can be sent from %(first)s: the invitations went out on %(invited)s, and "
            "people get %(num)d day to answer before anyone is reminded.",
            "Reminders can be sent from %(first)s: the invitations went out on %(invited)s, and "
            "people get %(num)d days to answer before anyone is reminded.",
            self.wait_days,
            first=day_words(self.first_day),
            invited=day_words(self.invited_on),
        )

    @property
    def button(self) -> str:
        """`button_text` with English dates."""
        return self.button_text()

    @property
    def why_wait(self) -> str:
        """`why_wait_text` with English dates."""
        return self.why_wait_text()


def reminder_timing(
    opened_on: date | None, first_invited_on: date | None, wait_days: int, today: date
) -> ReminderTiming | None:
    """From when an open round may remind, or None when there is nobody to remind (no
    invitation) or the round has not opened.

    The first invitations go out when the round opens, or when the first ones are added after
    that; later invitations are covered by the rule that nobody gets two emails of a round within
    a day (rounds.services.reminders)."""
    if opened_on is None or first_invited_on is None:
        return None
    invited_on = max(opened_on, first_invited_on)
    first_day = invited_on + timedelta(days=max(wait_days, 0))
    return ReminderTiming(first_day, max(wait_days, 0), invited_on, today >= first_day)


def day_and_month(day: date) -> str:
    """ "7 December", in English: the round page passes its own language's (i18n.local_date)."""
    return f"{day.day} {day:%B}"
