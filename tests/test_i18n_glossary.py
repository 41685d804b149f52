"""Key terms read the same everywhere in each language (README, Languages: the glossary).

Helpers translated the catalogs area by area; a leader who meets "ronda" on one page and
"campaña" on the next wonders whether they are two things. For each English term, every message
whose msgid has the term as a word has, in each language, its chosen translation: one of the
forms listed (inflections, plurals, the form a compound takes). A message that cannot carry the
term (it means something else there) is named in EXCEPTIONS with the reason.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from feedback360.catalogs import TRANSLATIONS

# English term (a regular expression, matched as whole words, case as written) -> for each
# language, the forms its translation may take (regular expressions, case-insensitive).
GLOSSARY: dict[str, dict[str, list[str]]] = {
    # The leader's own answers, as the report's tables and charts label them: a short word
    # that fits a numeric column ("Yo | Todos", "Soi | Tous", "Selbst | Alle"); in sentences,
    # the self-assessment.
    r"Self": {
        "es": [r"\bYo\b", r"autoevaluaci[oó]n"],
        "fr": [r"\bSoi\b", r"auto-évaluation"],
        "de": [r"Selbst"],  # Selbst, Selbstbild, Selbsteinschätzung
    },
    r"self-assessment|self-rating|rate yourself|rated yourself": {
        "es": [
            r"autoevaluaci[oó]n",
            r"evalúate",
            r"evaluart[ée]",
            r"te (has )?evaluado",
            r"te evaluaste",
        ],
        "fr": [
            r"auto-évaluation",
            r"évaluez-vous",
            r"vous (ne )?vous (y )?(êtes )?(pas )?(encore )?évalué",
            r"vous évaluer",
        ],
        "de": [r"Selbsteinschätzung", r"sich (noch nicht |nicht )?selbst", r"selbst (zu )?bewerte"],
    },
    # The mean of every rating shown: "Todos" / "Tous" / "Alle" as a column's label (and when
    # a sentence quotes that label), the whole phrase in a sentence.
    r"[Aa]ll raters": {
        "es": [r"todos los evaluadores", r"«Todos»", r"^Todos$"],
        "fr": [r"ensemble des évaluateurs", r"tous les évaluateurs", r"« Tous »", r"^Tous$"],
        "de": [r"alle[nr]? Bewertenden", r"„Alle“", r"^Alle$"],
    },
    r"[Oo]ther groups combined": {
        "es": [r"otros grupos combinados"],
        "fr": [r"autres groupes réunis"],
        "de": [r"weitere Gruppen zusammen"],
    },
    r"[Rr]ounds?": {
        "es": [r"rondas?"],
        "fr": [r"campagnes?"],
        "de": [r"Runden?"],
    },
    r"[Oo]pen links?": {
        "es": [r"enlaces? abiertos?"],
        "fr": [r"liens? ouverts?"],
        "de": [r"offene[nrms]? Links?"],
    },
    r"[Cc]oach(es|'s)?": {
        "es": [r"coach"],
        "fr": [r"coach"],
        "de": [r"Coach"],
    },
    r"[Bb]lind spots?": {
        "es": [r"puntos? ciegos?"],
        "fr": [r"angles? morts?"],
        "de": [r"blinde[nr]? Fleck"],
    },
    r"[Hh]idden strengths?": {
        "es": [r"fortalezas? ocultas?"],
        "fr": [r"forces? cachées?"],
        "de": [r"verborgene[n]? Stärken?"],
    },
    r"[Tt]hreshold": {
        "es": [r"umbral"],
        "fr": [r"seuil"],
        "de": [r"Schwelle", r"Mindestzahl"],
    },
    r"[Aa]greement": {
        "es": [r"acuerdo"],
        "fr": [r"accord"],
        "de": [r"Einigkeit"],
    },
    # Issue 18's short survey some weeks after a round (the pulse).
    r"[Ff]ollow-ups?": {
        "es": [r"seguimientos?"],
        "fr": [r"suivis?"],
        "de": [r"Nachbefragung(en)?"],
    },
    r"[Ff]ollowers?": {
        "es": [r"seguidor"],
        "fr": [r"abonné"],
        "de": [r"Follower"],
    },
    r"[Cc]olleagues?": {
        "es": [r"colega"],
        "fr": [r"collègue"],
        "de": [r"Kolleg"],
    },
    r"[Ss]taff": {
        "es": [r"equipo"],
        "fr": [r"équipe"],
        "de": [r"Mitarbeitende"],
    },
}

# (term, msgid start) -> why the term's translation is not in that message.
GROUP_KEYWORDS = "the group names a leader types in a pasted line stay as typed"
EXCEPTIONS: dict[tuple[str, str], str] = {
    **{
        (term, start): GROUP_KEYWORDS
        for term in (r"[Ff]ollowers?", r"[Cc]olleagues?", r"[Ss]taff")
        for start in ("Unknown group: use follower", "Groups: follower, colleague")
    },
    (r"[Rr]ounds?", "Very few people are invited in your group"): (
        "“as the round stands” is said as “as things stand” (en l’état, beim jetzigen Stand)"
    ),
}

LANGUAGES = ("es", "fr", "de")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def missing_terms(language: str) -> list[str]:
    """Each message whose msgid has a term and whose msgstr has none of its chosen forms."""
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        words = [PLACEHOLDER.sub(" ", msgid) for msgid in ids]  # %(threshold)d is no word
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for term, forms in GLOSSARY.items():
            english = re.compile(rf"(?<![\w-])(?:{term})(?![\w-])")
            if not any(english.search(text) for text in words):
                continue
            if any(ids[0].startswith(start) for known, start in EXCEPTIONS if known == term):
                continue
            chosen = re.compile("|".join(forms[language]), re.I)
            if not all(chosen.search(string) for string in strings if string):
                problems.append(f"{term} | {ids[0][:70]!r} -> {strings[-1][:90]!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_key_terms_are_translated_alike_in_every_message(language):
    problems = missing_terms(language)
    assert not problems, f"{len(problems)} messages:\n" + "\n".join(problems)


def test_the_check_finds_a_message_that_strays():
    """The glossary check is not vacuous: a term translated another way is named."""
    term, forms = r"[Rr]ounds?", GLOSSARY[r"[Rr]ounds?"]["es"]
    chosen = re.compile("|".join(forms), re.I)
    assert chosen.search("Esta ronda está cerrada.")
    assert not chosen.search("Esta campaña está cerrada.")
    assert re.search(rf"(?<![\w-])(?:{term})(?![\w-])", "This round is closed.")
    assert not re.search(rf"(?<![\w-])(?:{term})(?![\w-])", "Numbers are rounded.")


QUOTED = re.compile(r"“([^”%]+)”")


def misquoted_labels(language: str) -> list[str]:
    """Each message that quotes another message (a label, a button: “Self”, “Send my feedback”)
    whose translation does not quote that message's translation: the reader would look for words
    the page does not show."""
    messages = catalog(language)
    problems = []
    for message in messages:
        if not message.id or isinstance(message.id, tuple):
            continue
        for quoted in QUOTED.findall(message.id):
            label = messages.get(quoted)
            if label is None or not isinstance(label.string, str) or not label.string:
                continue
            shown = rf"[«„“‹\"]\s?{re.escape(label.string)}\s?[»“”›\"]"
            if not re.search(shown, message.string):
                problems.append(f"“{quoted}” = {label.string!r} | {message.string[:110]!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_label_quoted_in_a_sentence_is_quoted_as_the_page_shows_it(language):
    problems = misquoted_labels(language)
    assert not problems, f"{len(problems)} messages:\n" + "\n".join(problems)
