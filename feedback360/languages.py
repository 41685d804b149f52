"""Which language a comment is written in, read from its own words. Pure module.

The language a respondent chose is never stored with an answer: in a small group it would name
the one person who answered in it. Recurring words still have to be compared within one
language ("idea" in an English and a Spanish answer is not a shared theme), so the analysis reads
each comment's language from its text, as a reader would, and keeps the result nowhere.

How: every word that is one of a language's common words (`stopwords`) adds a point to that
language, split between the languages that share it ("a" is English, Spanish and French); a
letter only one language uses ("ñ", "ß", "ç", "è") adds a point too. The language with the most
points is the text's language when it has at least `MIN_SCORE` and twice any other's; otherwise
the text is too short or too mixed to say, and the answer is None.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .locales import DEFAULT_LOCALE
from .locales import SUPPORTED_LOCALES
from .stopwords import STOPWORDS

MIN_SCORE = 2.0
MIN_LEAD = 2.0  # the winner's points over the runner-up's

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# French elision: "l'équipe" is "l'" and "équipe", so it matches "équipe" elsewhere.
_ELISION = re.compile(r"^(c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu)'(.+)$")
_LETTERS = {
    "es": "ñ¿¡áíóú",
    "fr": "çœèêëîïôûùâà",
    "de": "ßäö",
}


def words(text: str) -> list[str]:
    """The words of `text` in lower case, with "’" as "'" and French elisions split off."""
    found = []
    for word in _WORD.findall(text):
        word = word.lower().replace("’", "'")
        elided = _ELISION.match(word)
        found.extend(elided.groups() if elided else (word,))
    return found


def scores(text: str) -> dict[str, float]:
    """Each supported language's points for `text` (see the module's docstring)."""
    points: Counter[str] = Counter()
    for word in words(text):
        sharing = [locale for locale in SUPPORTED_LOCALES if word in STOPWORDS[locale]]
        for locale in sharing:
            points[locale] += 1 / len(sharing)
    lowered = text.lower()
    for locale, letters in _LETTERS.items():
        points[locale] += sum(1 for letter in set(letters) if letter in lowered)
    return {locale: points[locale] for locale in SUPPORTED_LOCALES}


def detect_language(text: str) -> str | None:
    """The language `text` is written in, or None when it is too short or mixed to tell."""
    ranked = sorted(scores(text).items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= MIN_SCORE and top >= MIN_LEAD * second:
        return best
    return None


def _leaning(text: str) -> str | None:
    """The language with the most points, however few, when one has more than all others."""
    ranked = sorted(scores(text).items(), key=lambda item: -item[1])
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


def language_of(text: str) -> str:
    """The language to read one text in: the detected one, else the one it leans to, else
    English."""
    return detect_language(text) or _leaning(text) or DEFAULT_LOCALE


def group_by_language(texts: Sequence[str]) -> dict[str, list[str]]:
    """`texts` by language, in their order. A text too short to tell joins the language it
    leans to, else the one whose texts share most of its words, else the one most texts are in;
    when no text tells, all of them are read together (in English when even that does not)."""
    detected = [detect_language(text) for text in texts]
    counts = Counter(locale for locale in detected if locale)
    if not counts:
        pooled = detect_language(" ".join(texts)) or DEFAULT_LOCALE
        return {pooled: list(texts)} if texts else {}
    most = max(SUPPORTED_LOCALES, key=lambda locale: counts[locale])
    sure: dict[str, set[str]] = {}
    for text, locale in zip(texts, detected, strict=True):
        if locale:
            sure.setdefault(locale, set()).update(_content(text))
    groups: dict[str, list[str]] = {}
    for text, locale in zip(texts, detected, strict=True):
        if locale is None:
            locale = _leaning(text) or _closest(text, sure) or most
        groups.setdefault(locale, []).append(text)
    return groups


def _content(text: str) -> set[str]:
    """The words of `text` that are no language's common words."""
    return {word for word in words(text) if not any(word in STOPWORDS[lo] for lo in STOPWORDS)}


def _closest(text: str, sure: dict[str, set[str]]) -> str | None:
    """The language whose sure texts share the most words with `text`, when one shares most:
    "community energy cooperatives" joins the English answers about community energy."""
    own = _content(text)
    shared = sorted(((len(own & found), locale) for locale, found in sure.items()), reverse=True)
    if shared and shared[0][0] and (len(shared) == 1 or shared[0][0] > shared[1][0]):
        return shared[0][1]
    return None


def several_languages(texts: Sequence[str], min_each: int = 2) -> bool:
    """Whether at least two languages each have `min_each` texts surely written in them.

    Only a yes or no: which languages, and how many answers in each, are never said, as in a
    small group they would point to the one person who wrote in a language."""
    counts = Counter(detect_language(text) for text in texts)
    counts.pop(None, None)
    return sum(1 for n in counts.values() if n >= min_each) >= 2
