"""Parsing the pasted list of invitees. Pure: no Flask import.

Each line is `email, group` or `email, group, language` (language_choice.parse_language: a code
such as es, or the language's name); without one the person gets the round's. Good lines are
kept even when others are bad, and every bad line is reported with its number and the reason, so
the leader fixes only what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TypeVar

from email_validator import EmailNotValidError
from email_validator import validate_email

from .language_choice import parse_language
from .text import UNSAFE_ADDRESS
from .text import clean_line
from .text import clean_text
from .text import is_header_safe_address
from .text import natural_key
from .wording import _
from .wording import ngettext

MAX_LINES = 1000

GROUP_ALIASES = {
    "follower": "follower",
    "followers": "follower",
    "colleague": "colleague",
    "colleagues": "colleague",
    "peer": "colleague",
    "peers": "colleague",
    "staff": "staff",
    "staff member": "staff",
    "staff members": "staff",
    "team": "staff",
    "direct report": "staff",
    "direct reports": "staff",
    "other": "other",
    "others": "other",
}


@dataclass(frozen=True)
class Invitee:
    email: str
    group: str
    language: str | None = None  # None: the round's default language
    # where it was pasted, so a line refused later (a rule on the whole group) says which
    line_number: int = field(default=0, compare=False)
    line: str = field(default="", compare=False)


@dataclass(frozen=True)
class LineError:
    line_number: int
    line: str
    message: str


def parse_invitees(
    text: str, *, already_invited: set[str], forbidden: dict[str, str]
) -> tuple[list[Invitee], list[LineError]]:
    """Split pasted text into invitees and per-line errors.

    `forbidden` maps an email that may not be invited anonymously (the leader's, a coach's) to the
    reason shown to the leader.
    """
    invitees: list[Invitee] = []
    errors: list[LineError] = []
    seen = set(already_invited)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        errors.append(
            LineError(
                MAX_LINES + 1,
                "",
                ngettext(
                    "Only %(num)d line at a time; the rest were ignored.",
                    "Only %(num)d lines at a time; the rest were ignored.",
                    MAX_LINES,
                ),
            )
        )
        lines = lines[:MAX_LINES]
    for number, raw in enumerate(lines, start=1):
        line = clean_text(raw)
        if not line:
            continue
        parts = [clean_line(p) for p in re.split(r"[,;\t]", line)]
        if len(parts) == 3 and not parts[2]:  # "email, group," : no language after all
            parts.pop()
        if len(parts) not in (2, 3) or not parts[0]:
            errors.append(
                LineError(
                    number,
                    line,
                    _(
                        "Write each line as: email, group (and a language if "
                        "this person needs another than the round's)."
                    ),
                )
            )
            continue
        address, group_name = parts[:2]
        language = None
        if len(parts) == 3:
            language = parse_language(parts[2])
            if language is None:
                errors.append(LineError(number, line, unknown_language(parts[2])))
                continue
        group = GROUP_ALIASES.get(group_name.lower())
        if group is None:
            errors.append(
                LineError(
                    number, line, _("Unknown group: use follower, colleague, staff or other.")
                )
            )
            continue
        try:
            email = validate_email(address, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            # Not the validator's own reason: it is English only, and the line is shown beside.
            message = _("Not a valid email address: write it like name@example.com.")
            errors.append(LineError(number, line, message))
            continue
        if not is_header_safe_address(email):
            errors.append(LineError(number, line, _(UNSAFE_ADDRESS)))
            continue
        if email in forbidden:
            errors.append(LineError(number, line, forbidden[email]))
            continue
        if email in seen:
            message = _("This person is already invited to this round.")
            errors.append(LineError(number, line, message))
            continue
        seen.add(email)
        invitees.append(
            Invitee(email=email, group=group, language=language, line_number=number, line=line)
        )
    return invitees, errors


def unknown_language(written: str) -> str:
    return _(
        "Unknown language “%(written)s”: use en (English), es (Español), fr (Français) or "
        "de (Deutsch), or leave it out for the round's language.",
        written=written,
    )


Entry = TypeVar("Entry")


def in_list_order(
    entries: Iterable[Entry], group_ids: Sequence[str], group_and_email: Callable[[Entry], tuple]
) -> list[Entry]:
    """Entries of a rater list as every page lists them: by group in the questionnaire's order
    (followers first, not alphabetical), then by address as a person reads it (person2 before
    person10: `natural_key`). Nothing in it says when anyone was invited or answered.

    `group_and_email` gives an entry's group id and address; an unknown group comes last."""
    rank = {group_id: index for index, group_id in enumerate(group_ids)}

    def key(entry: Entry) -> tuple:
        group, email = group_and_email(entry)
        return (rank.get(group, len(rank)), natural_key(email))

    return sorted(entries, key=key)


@dataclass(frozen=True)
class ListPage:
    """One page of an already ordered list, with what a pager needs (as Flask-SQLAlchemy's
    Pagination names it). A page past the end is empty."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_of(ordered: Sequence, page: int, per_page: int) -> ListPage:
    """Page `page` (from 1) of `ordered`, `per_page` entries a page."""
    start = (page - 1) * per_page
    return ListPage(list(ordered[start : start + per_page]), page, per_page, len(ordered))
