"""The languages a respondent can answer in. Pure module: no Flask import.

English is the source: every questionnaire is written in English first, and each other locale is
a translation beside it (`questionnaires/<version>.<locale>.toml`). The language a response was
given in is never stored, shown or counted: in a small group it would name the one person who
answered in it.
"""

from __future__ import annotations

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "es", "fr", "de")
# Each language's name in itself, for a language switcher.
LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}


def supported(locale: str | None) -> str:
    """`locale` when it is one of SUPPORTED_LOCALES, otherwise the default."""
    return locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
