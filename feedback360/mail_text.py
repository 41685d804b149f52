"""Pure: the plain-text part of a mail wrapped where a person would wrap it.

Templates write each paragraph on one line; this wraps it at spaces to about 72 characters,
never inside a word or at a hyphen. A link always stands whole on a line of its own, however
long, so a mail program can still recognise it and a reader can copy it in one go.
"""

from __future__ import annotations

import re
import textwrap

WIDTH = 72
_LINK = re.compile(r"(https?://\S+)")
_BLANK_RUNS = re.compile(r"\n{3,}")


def wrap_plain_text(text: str, width: int = WIDTH) -> str:
    """Each line of `text` wrapped to `width`, paragraphs kept, links on lines of their own."""
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(_wrap_line(line.rstrip(), width))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def _wrap_line(line: str, width: int) -> list[str]:
    if not line:
        return [""]
    indent = line[: len(line) - len(line.lstrip())]
    wrapped: list[str] = []
    for piece in _LINK.split(line.strip()):
        if _LINK.fullmatch(piece):
            wrapped.append(indent + piece)
        elif piece.strip():
            # A "word" longer than a line is no word a person reads (a pasted token, say):
            # it is cut, so no line runs off a phone's screen.
            wrapped.extend(
                textwrap.wrap(
                    piece.strip(),
                    width,
                    initial_indent=indent,
                    subsequent_indent=indent,
                    break_long_words=True,
                    break_on_hyphens=False,
                )
            )
    return wrapped
