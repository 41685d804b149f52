"""Flask-Babel wiring: which language a request, a mail or a PDF speaks, and dates and numbers
in it. The choice itself is `language_choice` (pure); this module only gathers its inputs.

Mail and PDFs are rendered outside the request that caused them, under `force_locale`.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import format_date
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import get_translations
from flask_babel import refresh
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from . import questionnaire
from . import wording
from .language_choice import DEFAULT_LOCALE
from .language_choice import language_choices
from .language_choice import supported
from .language_choice import survey_locale
from .language_choice import user_locale
from .languages import detect_language
from .locales import SUPPORTED_LOCALES

# The survey's language switch: `?lang=es` on the page's form actions (survey/pages.py).
CHOICE_PARAMETER = "lang"


def browser_locale() -> str | None:
    """The best supported match for the request's Accept-Language (es-MX finds es), or None."""
    return request.accept_languages.best_match(SUPPORTED_LOCALES)


def chosen_on_page() -> str | None:
    """The language picked on the survey's switch, carried in the query string."""
    return supported(request.args.get(CHOICE_PARAMETER))


def use_survey_languages(invitation_language: str | None, round_language: str | None) -> None:
    """What the survey's link says about its language, for `select_locale`, once it is known."""
    g.survey_languages = (invitation_language, round_language)
    refresh()  # anything rendered before (nothing, so far) chose without it


def select_locale() -> str:
    """Flask-Babel's locale selector: respondents by `survey_locale`, everyone else by
    `user_locale`. Outside a request (the sender), English unless `force_locale` says."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if request.blueprint == "survey":
        invitation_language, round_language = g.get("survey_languages", (None, None))
        return survey_locale(
            chosen_on_page(), invitation_language, browser_locale(), round_language
        )
    chosen = current_user.language if current_user.is_authenticated else None
    return user_locale(chosen, browser_locale())


def current_language() -> str:
    """The language being rendered in, as an `html lang` / `Content-Language` tag."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def local_questionnaire(version: str) -> questionnaire.Questionnaire:
    """The questionnaire in the language being rendered: the same ids, its words translated."""
    return questionnaire.load(version, current_language())


# English keeps the app's British order ("7 March 2026"); the others take Babel's long form.
_ENGLISH_PATTERNS = {"long": "d MMMM y", "medium": "d MMM y", "day": "d MMMM"}
_OTHER_PATTERNS = {"long": "long", "medium": "medium", "day": None}


def local_date(value: date | None, width: str = "long", empty: str = "—") -> str:
    """A date as the current language writes it: `long` (7 March 2026), `medium` (7 Mar 2026)
    or `day` (7 March)."""
    if value is None:
        return empty
    if current_language() == DEFAULT_LOCALE:
        return format_date(value, _ENGLISH_PATTERNS[width])
    pattern = _OTHER_PATTERNS[width]
    if pattern is None:  # a day and month without the year, in the language's own order
        from babel.dates import format_skeleton

        return format_skeleton("MMMMd", value, locale=get_locale())
    return format_date(value, pattern)


def local_number(value, digits: int = 0) -> str:
    """A number with the current language's separators, `digits` after the decimal mark."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def language_attribute(text: str | None) -> Markup:
    """` lang="es"` for a comment whose words show its language (`languages.detect_language`),
    so a screen reader reads it in that language's voice; nothing when unsure. Worked out as
    the page is drawn and never stored: the text itself is shown anyway."""
    language = detect_language(text or "")
    return Markup(f' lang="{language}"') if language else Markup("")


def language_of_address(address: str) -> str | None:
    """The interface language picked by the account with this address, if any (a coach is known
    to a round by address only)."""
    from .extensions import db
    from .models import User

    return db.session.scalar(select(User.language).where(User.email == address))


def init_app(app: Flask) -> None:
    """Flask-Babel with this module's locale selector, and the filters and globals templates use
    for the language they are rendered in. Any app that renders the templates calls this."""
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    # The pure modules' wording (`wording._`) translates through Flask-Babel from now on.
    # Unformatted: `wording` fills the placeholders itself, once.
    wording.use(
        lambda message: get_translations().ugettext(message),
        lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
    )
    # {% trans %} blocks may wrap over lines: their whitespace is collapsed, as `make messages`
    # extracts them (babel.cfg: trimmed).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_number"] = local_number
    app.jinja_env.filters["lang_attribute"] = language_attribute
    app.jinja_env.globals["html_lang"] = current_language
    app.jinja_env.globals["language_choices"] = language_choices
    app.before_request(_choose_afresh)


def _choose_afresh() -> None:
    """Each request chooses its own language, even where requests share an app context (as
    in tests that hold one open): nothing chosen for the last request carries over."""
    g.pop("survey_languages", None)
    refresh()
