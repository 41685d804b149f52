"""Parsing the pasted list of invitees. Pure: no Flask import.

Each line is `email, group`. Good lines are kept even when others are bad, and every bad line is
reported with its number and the reason, so the leader fixes only what is wrong.
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

from .text import UNSAFE_ADDRESS
from .text import clean_line
from .text import clean_text
from .text import is_header_safe_address
from .text import natural_key

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
                MAX_LINES + 1, "", f"Only {MAX_LINES} lines at a time; the rest were ignored."
            )
        )
        lines = lines[:MAX_LINES]
    for number, raw in enumerate(lines, start=1):
        line = clean_text(raw)
        if not line:
            continue
        parts = [clean_line(p) for p in re.split(r"[,;\t]", line)]
        if len(parts) != 2 or not parts[0]:
            errors.append(LineError(number, line, "Write each line as: email, group."))
            continue
        address, group_name = parts
        group = GROUP_ALIASES.get(group_name.lower())
        if group is None:
            errors.append(
                LineError(number, line, "Unknown group: use follower, colleague, staff or other.")
            )
            continue
        try:
            email = validate_email(address, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            errors.append(LineError(number, line, f"Not a valid email address: {exc}"))
            continue
        if not is_header_safe_address(email):
            errors.append(LineError(number, line, UNSAFE_ADDRESS))
            continue
        if email in forbidden:
            errors.append(LineError(number, line, forbidden[email]))
            continue
        if email in seen:
            errors.append(LineError(number, line, "This person is already invited to this round."))
            continue
        seen.add(email)
        invitees.append(Invitee(email=email, group=group, line_number=number, line=line))
    return invitees, errors


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
