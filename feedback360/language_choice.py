"""Which language a page, a mail or a PDF is in. Pure: no Flask import, so it is tested alone.

Each function takes the candidates in the order they win and returns the first supported one.
The language of an answer is never an input to anything stored: the survey's choice lives in the
page (the link's query string), never in the response (see survey/views.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from .locales import DEFAULT_LOCALE
from .locales import LOCALE_NAMES
from .locales import SUPPORTED_LOCALES


def supported(code: str | None) -> str | None:
    """`code` if feedback360 speaks it, else None (an old or forged value is ignored)."""
    return code if code in SUPPORTED_LOCALES else None


def first_supported(*candidates: str | None) -> str:
    """The first candidate feedback360 speaks, else English."""
    for code in candidates:
        if supported(code):
            return code
    return DEFAULT_LOCALE


def survey_locale(
    chosen: str | None,
    invitation_language: str | None,
    browser: str | None,
    round_language: str | None,
) -> str:
    """A respondent's survey page.

    What they picked on the page's switch wins; then the language the leader set for their own
    invitation line (their invitation mail was in it); then their browser's, when supported; then
    the round's default, which their invitation used; then English.
    """
    return first_supported(chosen, invitation_language, browser, round_language)


def user_locale(chosen: str | None, browser: str | None) -> str:
    """A signed-in user's pages: the interface language they picked, else their browser's."""
    return first_supported(chosen, browser)


def invitation_mail_locale(invitation_language: str | None, round_language: str | None) -> str:
    """An invitation or a reminder: the line's own language, else the round's default."""
    return first_supported(invitation_language, round_language)


# What a pasted invitation line may name a language by: its code, its name in English, or its
# name in itself (with or without accents). Case does not matter.
_LANGUAGE_ALIASES = {
    "en": "en",
    "english": "en",
    "es": "es",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "castellano": "es",
    "fr": "fr",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "de": "de",
    "german": "de",
    "deutsch": "de",
}


def parse_language(text: str) -> str | None:
    """The language code a leader wrote, or None when it is not one feedback360 speaks."""
    cleaned = text.strip().lower()
    code = _LANGUAGE_ALIASES.get(cleaned)
    if code is None and len(cleaned) == 5 and cleaned[2] in "-_":  # es-MX, fr_CA
        code = _LANGUAGE_ALIASES.get(cleaned[:2])
    return supported(code)


def language_choices(codes: Iterable[str] = SUPPORTED_LOCALES) -> list[tuple[str, str]]:
    """(code, name in itself) pairs for a select or the switch."""
    return [(code, LOCALE_NAMES[code]) for code in codes]
