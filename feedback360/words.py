"""Recurring words in respondents' answers, and the leader's why beside them. Pure module.

Words are compared within one language: answers are grouped by the language their own text is
in (`languages.group_by_language`; the language a respondent chose is never stored), each group
drops its own language's common words (`stopwords`) and folds plurals by its own crude rule, and
a word recurs when at least two answers of the same group use it. So "idea" in one English and
one Spanish answer is not a shared theme, and "die" or "son" are common words only where they
are German or Spanish.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from .languages import group_by_language
from .languages import language_of
from .languages import words
from .locales import DEFAULT_LOCALE
from .stopwords import STOPWORDS
from .wording import _
from .wording import ngettext

MIN_TEXTS = 2  # a word recurs when this many different answers use it


def _fold(word: str) -> str:
    """Without accents, so "publicación" and "publicaciones" can meet."""
    return "".join(
        char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char)
    )


def stem(word: str, language: str = DEFAULT_LOCALE) -> str:
    """A crude singular, so "thread" and "threads" (or "redes" and "red") count as one word."""
    word = _fold(word)
    if language == "es":
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        if len(word) > 3 and word.endswith("e") and word[-2] not in "aeiou":
            word = word[:-1]  # "redes" -> "red", "comunidades" -> "comunidad"
        return word
    if language == "fr":
        return word[:-1] if len(word) > 3 and word[-1] in "sx" else word
    if language == "de":  # "Beiträge" -> "beitrage" -> "beitrag"
        if len(word) > 5 and word.endswith("en"):
            return word[:-2]
        return word[:-1] if len(word) > 4 and word[-1] in "ens" else word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content(word: str, language: str) -> bool:
    return len(word) >= 3 and word not in STOPWORDS[language]


def terms(text: str, language: str = DEFAULT_LOCALE) -> dict[tuple[str, ...], str]:
    """Stemmed words and adjacent two-word phrases of a text, each in the form first written."""
    found: dict[tuple[str, ...], str] = {}
    seen = words(text)
    for index, word in enumerate(seen):
        if not _content(word, language):
            continue
        found.setdefault((stem(word, language),), word)
        if index + 1 < len(seen) and _content(seen[index + 1], language):
            nxt = seen[index + 1]
            found.setdefault((stem(word, language), stem(nxt, language)), f"{word} {nxt}")
    return found


@dataclass(frozen=True)
class Term:
    text: str  # as most often written
    count: int  # how many different answers use it
    key: tuple[str, ...] = field(compare=False, repr=False)
    language: str = field(default=DEFAULT_LOCALE, compare=False, repr=False)


def recurring_terms(texts: Iterable[str], min_texts: int = MIN_TEXTS, limit: int = 8) -> list[Term]:
    """Words and two-word phrases used in at least `min_texts` different texts of one language,
    most used first.

    A word is left out when a listed phrase holds it, so "public service" is not followed by
    "public" and "service". Order: most texts first; on a tie phrases first, then alphabetical.
    """
    found = [
        term
        for language, group in group_by_language(list(texts)).items()
        for term in _recurring_in(group, language, min_texts)
    ]
    found.sort(key=lambda term: (-term.count, -len(term.key), " ".join(term.key)))
    return found[:limit]


def _recurring_in(texts: Sequence[str], language: str, min_texts: int) -> list[Term]:
    counts: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for text in texts:
        for key, form in terms(text, language).items():
            counts[key] += 1
            forms[key][form] += 1
    recurring = {key: n for key, n in counts.items() if n >= min_texts}
    ranked = sorted(recurring, key=lambda key: (-recurring[key], -len(key), " ".join(key)))
    chosen: list[tuple[str, ...]] = []
    for key in ranked:
        if len(key) == 2:
            chosen = [k for k in chosen if not (len(k) == 1 and k[0] in key)]
        elif any(key[0] in k for k in chosen if len(k) == 2):
            continue
        chosen.append(key)
    return [Term(_usual_form(forms[key]), recurring[key], key, language) for key in chosen]


def _usual_form(forms: Counter[str]) -> str:
    return min(forms.items(), key=lambda form: (-form[1], form[0]))[0]


@dataclass(frozen=True)
class IntentComparison:
    own_words: list[str]  # the leader's statement, content words in order of first use
    perceived: list[Term]  # recurring in respondents' answers
    shared: list[str]  # recurring terms, in the statement's language, that it also uses
    answers: int

    @property
    def line(self) -> str:
        """One sentence for the summary page, about "the leader"."""
        return self.summary_line(_("the leader"))

    def summary_line(self, leader_name: str | None = None) -> str:
        """One sentence for the summary page, in the language being rendered: about "your own
        why" in the leader's copy (`leader_name` None), about the leader by name in a coach's."""
        if not self.answers:
            return _("No answer to “what are they trying to achieve?” can be shown.")
        if not self.perceived:
            return ngettext(
                "%(num)d respondent said what they think the aim is; no word recurs across "
                "their answers.",
                "%(num)d respondents said what they think the aim is; no word recurs across "
                "their answers.",
                self.answers,
            )
        named = self.perceived[:4]
        words_named = ", ".join(f"“{t.text}”" for t in named)
        shared = [t.text for t in named if t.text in self.shared]
        if not shared:
            if leader_name is None:
                return _(
                    "Respondents most often name %(words)s; none of these is in your own why.",
                    words=words_named,
                )
            return _(
                "Respondents most often name %(words)s; none of these is in %(name)s’s own why.",
                words=words_named,
                name=leader_name,
            )
        both = ", ".join(f"“{w}”" for w in shared)
        if leader_name is None:
            return ngettext(
                "Respondents most often name %(words)s; %(shared)s is also in your own why.",
                "Respondents most often name %(words)s; %(shared)s are also in your own why.",
                len(shared),
                words=words_named,
                shared=both,
            )
        return ngettext(
            "Respondents most often name %(words)s; %(shared)s is also in %(name)s’s own why.",
            "Respondents most often name %(words)s; %(shared)s are also in %(name)s’s own why.",
            len(shared),
            words=words_named,
            shared=both,
            name=leader_name,
        )


def compare_intent(why: str, answers: Sequence[str], limit: int = 8) -> IntentComparison:
    """The leader's why beside the words recurring in answers to the intent question. A
    recurring word is "shared" only when it comes from answers in the why's own language."""
    language = language_of(why)
    own = terms(why, language)
    own_stems = {key[0] for key in own if len(key) == 1}
    perceived = recurring_terms(answers, limit=limit)
    shared = [
        t.text
        for t in perceived
        if t.language == language and all(word in own_stems for word in t.key)
    ]
    own_words = [form for key, form in own.items() if len(key) == 1][:12]
    return IntentComparison(
        own_words=own_words, perceived=perceived, shared=shared, answers=len(answers)
    )
