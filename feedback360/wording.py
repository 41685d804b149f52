"""Translatable wording for the pure modules, without importing Flask.

Pure modules (anonymity, analysis, readiness, bursts, ...) write the sentences users read. They
mark them with `_()` / `ngettext()` from here, so `pybabel extract` finds them, and stay pure:
until the app plugs in Flask-Babel (`use`, called by `i18n.init_app`), the functions return the
English source, which is what the tests on plain data read. Inside the app they translate into
the language being rendered (a page, a mail under `force_locale`, a PDF).

Call them when the sentence is needed, never at import time: a module-level `_("...")` would be
frozen in English. For text that must be defined at module level, mark it with `N_` and pass it
through `_()` where it is shown.
"""

from __future__ import annotations

from collections.abc import Callable

_gettext: Callable[[str], str] = lambda message: message  # noqa: E731
_ngettext: Callable[[str, str, int], str] = lambda singular, plural, n: (  # noqa: E731
    singular if n == 1 else plural
)


def use(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Route the marked wording through the app's translations (Flask-Babel)."""
    global _gettext, _ngettext
    _gettext, _ngettext = gettext, ngettext


def _(message: str, **values: object) -> str:
    """`message` in the current language, with `%(name)s` placeholders filled from `values`."""
    text = _gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """The singular or plural form for `n` in the current language; `%(num)d` is `n`."""
    return _ngettext(singular, plural, n) % {"num": n, **values}


def N_(message: str) -> str:
    """Mark `message` for extraction only; translate it with `_()` where it is shown."""
    return message
