"""Cleaning of user text before it is validated or stored. Pure: no Flask import.

Browsers and pasted documents bring NUL bytes, stray control characters and mixed line endings;
PostgreSQL refuses NUL in text and control characters confuse PDF text extraction. Everything else,
emoji, accents, right-to-left scripts, is kept exactly as typed (in Unicode NFC form).
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str | None) -> str:
    """Return `value` in NFC, with Unix newlines, no control characters, trimmed."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _LONE_SURROGATE.sub("", _CONTROL.sub("", value))
    return unicodedata.normalize("NFC", value).strip()


def clean_line(value: str | None) -> str:
    """Like clean_text, for one-line fields: any run of whitespace becomes one space."""
    return " ".join(clean_text(value).split())
