"""Cleaning of user text before it is validated or stored. Pure: no Flask import.

Browsers and pasted documents bring NUL bytes, stray control characters and mixed line endings;
PostgreSQL refuses NUL in text and control characters confuse PDF text extraction. Everything else,
emoji, accents, right-to-left scripts, is kept exactly as typed (in Unicode NFC form).
"""

from __future__ import annotations

import re
import unicodedata

from .wording import N_

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str | None) -> str:
    """Return `value` in NFC, with Unix newlines, no control characters, trimmed."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _LONE_SURROGATE.sub("", _CONTROL.sub("", value))
    return unicodedata.normalize("NFC", value).strip()


RIGHT_TO_LEFT_CLASSES = frozenset({"R", "AL"})  # Hebrew, Arabic, Syriac, Thaana, N'Ko...


def text_direction(value: str | None) -> str:
    """The direction of `value`, "rtl" or "ltr", from its first letter with a strong direction,
    as a browser's dir="auto" decides; "ltr" when there is none (digits, emoji, punctuation).
    WeasyPrint ignores dir="auto", so the PDF sets the direction this function gives."""
    for char in value or "":
        kind = unicodedata.bidirectional(char)
        if kind in RIGHT_TO_LEFT_CLASSES:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def clean_line(value: str | None) -> str:
    """Like clean_text, for one-line fields: any run of whitespace becomes one space."""
    return " ".join(clean_text(value).split())


# Every character that can end or break a header line somewhere along the way: C0 controls
# (CR, LF, TAB, ...), DEL, C1 controls (NEL is U+0085), and Unicode's line and paragraph
# separators, which some mail software treats as line breaks.
_HEADER_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# An RFC 2047 encoded word, `=?charset?encoding?text?=`: a mail parser decodes it, and what it
# decodes to (an encoded CR or LF) can become a new header line when the header is re-folded.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[^?\s]*\?[^\s]*?\?=")


def header_text(value: str | None) -> str:
    """User text made safe for a mail header, whatever the interpreter's email package does.

    Control characters and line separators become spaces, encoded words are removed, and any
    `=?` left over is broken apart, so no encoded word can form, not even with the text the
    header adds around it. The result is one trimmed line in NFC.
    """
    if not value:
        return ""
    value = _HEADER_BREAKING.sub(" ", _LONE_SURROGATE.sub("", value))
    value = unicodedata.normalize("NFC", value)
    while True:
        shorter = _ENCODED_WORD.sub("", value)
        if shorter == value:
            break
        value = shorter
    value = value.replace("=?", "= ?")
    return " ".join(value.split())


# Marked only (N_): shown through gettext where it is raised, in the reader's language.
UNSAFE_ADDRESS = N_('This address contains "=?", which mail software could misread; use another.')


def is_header_safe_address(address: str) -> bool:
    """Whether an email address can go into a header as it is: no whitespace, control or line
    separator, and no `=?`, which could start an encoded word that a parser decodes."""
    return (
        bool(address)
        and "=?" not in address
        and not any(
            character.isspace() or _HEADER_BREAKING.match(character) for character in address
        )
    )


_DIGIT_RUNS = re.compile(r"(\d+)")


def _letters_only(value: str) -> str:
    """`value` folded for comparing as a reader does: no case, no accents (é sorts with e)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _number(run: str) -> tuple[int, str]:
    """A run of digits (any script's) as a key that orders by value, without int(): Python
    refuses to convert very long runs."""
    digits = "".join(str(unicodedata.digit(c)) for c in run).lstrip("0")
    return (len(digits), digits)


def natural_key(value: str) -> tuple:
    """A sort key that orders text as a person reads it: runs of digits by their value
    (person2 before person10), letters without regard to case or accents.

    Text and number runs alternate from a text run (re.split with a group), so two keys never
    compare a number with text. Ties (a01 and a1, Ann and ann) are broken by the folded text,
    then the text as it is, so the order is total and the same on every database.
    """
    runs = _DIGIT_RUNS.split(value)
    parts = tuple(_number(run) if i % 2 else _letters_only(run) for i, run in enumerate(runs))
    return (parts, value.casefold(), value)
