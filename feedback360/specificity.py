"""How specific a comment is, read in the comment's own language. Pure module.

A comment scores one point for each of four signals, after the SBI model (situation, behaviour,
impact) adapted to social media: where (a platform or channel), what (a post, a reply, a talk,
someone's exact words), when (a moment or occasion) and effect (what it did to the writer or
others). The report shows the most specific comments first and cuts the rest, and the survey's
review step asks about a comment with no where, when or effect, so each signal must be as easy
to earn in Spanish, French and German as in English: "for example" is "por ejemplo", "par
exemple" and "zum Beispiel", and a pattern list that knows only English would quietly cut, and
nag, everyone who answers in another language.

Which words to look for follows the comment's own text (`languages.detect_language`), never the
language the respondent chose, which is not stored. A text too short or mixed to tell is read in
every language it leans to, or all four when it leans to none. Language-neutral signals count
whatever the language: platform names, digits, years and dates, quoted words. Length does not:
the same comment runs longer in Spanish, French or German than in English.

Patterns are matched on the text without accents ("publicó" and "publico" alike) and with "’"
as "'", so they are written that way.
"""

from __future__ import annotations

import re
import unicodedata

from .languages import detect_language
from .languages import scores
from .locales import SUPPORTED_LOCALES

WHERE, WHAT, WHEN, EFFECT = "where", "what", "when", "effect"
SIGNALS = (WHERE, WHAT, WHEN, EFFECT)
CONTEXT = (WHERE, WHEN, EFFECT)  # what the review step asks for when all are missing


def _any(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `alternatives` as whole words."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# "X" and "Threads" are platforms only when capitalised (in lower case they are ordinary words);
# a lower-case "thread", or a German "Thread", is an artefact, so "on Threads" scores once.
# Blogs, newsletters and podcasts keep their English names in all four languages, also inside
# German compounds ("Blogbeitrag", "Newsletter-Ausgabe").
_NEUTRAL = {
    WHERE: _any(
        r"linkedin|twitter|bluesky|mastodon|instagram|youtube|tiktok|facebook|substack"
        r"|(?-i:X|Threads)|\w*(?:blog|newsletter|podcast)\w*"
    ),
    WHAT: re.compile(
        r"\d"  # a count, a score, a date: something checkable
        r"|[\"“”„«»][^\"“”„«»]{3,}[\"“”«»]"  # someone's exact words, in any language's quotes
        r"|\b(?:(?-i:threads?|Thread)|dms?|stor(?:y|ies)|\w*live-?\s?streams?\w*"
        r"|webinar\w*|webinaire\w*)\b",
        re.IGNORECASE,
    ),
    WHEN: _any(r"(?:19|20)\d\d", r"\d{1,2}[./]\d{1,2}", r"\d{1,2}(?::|h)\d\d"),
}

# "March" and "May" are months only after "in", "on", ...: otherwise they are ordinary words.
_MONTHS_EN = "(?:january|february|april|june|july|august|september|october|november|december)"

_PATTERNS = {
    "en": {
        WHAT: _any(
            r"(?:re)?post(?:s|ed|ing)?|repl(?:y|ies|ied)|answer(?:s|ed|ing)?|comment(?:s|ed|ing)?"
            r"|videos?|articles?|(?:went|go|goes|going)\s+live|polls?|messag(?:e|es|ed)|talks?"
            r"|presentations?|shar(?:e|es|ed|ing)|for\s+(?:example|instance)|e\.\s?g"
        ),
        WHEN: _any(
            r"when|last\s+(?:week|month|year|quarter|time)|yesterday"
            rf"|(?:in|on|since|early|late|mid-?)\s*(?:march|may|{_MONTHS_EN})|{_MONTHS_EN}"
            r"|(?:a|an|one|two|three|few|\d+)\s+(?:days?|weeks?|months?|years?)\s+ago|during|after"
            r"|recently|the\s+other\s+day|(?:mon|tues|wednes|thurs|fri|satur|sun)day|meetings?"
            r"|events?|conferences?|launch(?:es|ed)?|workshops?"
        ),
        EFFECT: _any(
            r"i\s+felt|made\s+(?:me|us)|helped\s+(?:me|us)|i\s+learn(?:ed|t)|i\s+started|so\s+i"
            r"|it\s+showed|we|us|our|because\s+of|thanks\s+to"
        ),
    },
    "es": {
        WHAT: _any(
            r"publicaci(?:on|ones)|publicar|publicando|publica(?:ra|ran|se|sen|ron)"
            r"|public(?:o|aste|aba)\s+(?:un|una|el|la|sobre)|post(?:s|eo|ear|easte)?|hilos?"
            r"|respuestas?|respond(?:er|e|en|io|iste|ia)|contest(?:o|aste)|comentarios?"
            r"|coment(?:o|aste|ar)|videos?|articulos?|en\s+(?:directo|vivo)"
            r"|(?:un|el|los|sus?)\s+directos?|encuestas?|mensajes?|mds?|charlas?|ponencias?"
            r"|presentaci(?:on|ones)|compart(?:e|en|ir|io|iste|ia)|por\s+ejemplo|p\.\s?ej"
        ),
        WHEN: _any(
            r"cuando|la\s+semana\s+pasada|el\s+(?:mes|ano|trimestre)\s+pasado"
            r"|la\s+ultima\s+(?:semana|vez)|el\s+ultimo\s+(?:mes|ano|trimestre)|ayer|enero|febrero"
            r"|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
            r"|hace\s+(?:un|una|dos|tres|unos|unas|\d+)\s+(?:dias?|semanas?|mes(?:es)?|anos?)"
            r"|durante|despues\s+de|tras|recientemente|hace\s+poco|el\s+otro\s+dia|lunes|martes"
            r"|miercoles|jueves|viernes|sabado|domingo|reuni(?:on|ones)|eventos?|conferencias?"
            r"|lanzamientos?|taller(?:es)?"
        ),
        EFFECT: _any(
            r"me\s+senti",
            r"nos\s+sentimos",
            r"(?:me|nos)\s+(?:hizo|hicieron)",
            r"(?:me|nos)\s+(?:ayudo|ayudaron)",
            r"aprendi",
            r"(?:he|hemos)\s+aprendido",
            r"empece|comence",
            r"(?:asi\s+que|por\s+eso)\s+(?:yo|me|nos)",
            r"(?:me|nos)?\s*(?:demostro|mostro)",
            r"nosotr[oa]s",
            # "we" is in the verb: "tomamos", "aprendimos", but not "los últimos días".
            r"(?!(?:ultim|proxim|minim|maxim|extrem|suprem|prim|intim|prestam)os\b)"
            r"\w{2,}(?:amos|emos|imos)",
            r"nos",
            r"nuestr[oa]s?",
            r"gracias\s+a",
            r"debido\s+a",
        ),
    },
    "fr": {
        WHAT: _any(
            r"publications?|publi(?:e|ee|es|ees|er)|posts?|post(?:e|ee|er)|fil|reponses?|repond\w*"
            r"|commentaires?|comment(?:e|ee|er|ait)|videos?|articles?|en\s+direct"
            r"|(?:un|en|le|les|des|ses|son)\s+lives?|sondages?|messages?|mps?|interventions?"
            r"|exposes?|presentations?|partag\w*|par\s+exemple|p\.\s?ex"
        ),
        WHEN: _any(
            r"quand|lorsqu(?:e|')|la\s+semaine\s+derniere|le\s+(?:mois|trimestre)\s+dernier"
            r"|l'annee\s+derniere|l'an\s+dernier|la\s+derniere\s+fois|hier|janvier|fevrier|mars"
            r"|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
            r"|il\s+y\s+a\s+(?:un|une|deux|trois|quelques|\d+)\s+(?:jours?|semaines?|mois|ans?)"
            r"|pendant|lors\s+d|au\s+cours\s+d|apres|recemment|dernierement|l'autre\s+jour|lundi"
            r"|mardi|mercredi|jeudi|vendredi|samedi|dimanche|reunions?|evenements?|conferences?"
            r"|lancements?|ateliers?"
        ),
        EFFECT: _any(
            r"je\s+me\s+suis\s+senti\w*|j'ai\s+ressenti"
            r"|(?:m'a|m'ont|nous\s+a|nous\s+ont)\s+(?:fait|aid\w*|donne|permis|appris|montre)"
            r"|ca\s+m'a|j'ai\s+(?:appris|commence)|(?:donc|alors)\s+j|du\s+coup|a\s+montre|nous"
            r"|notre|nos|grace\s+a|a\s+cause\s+d"
        ),
    },
    "de": {
        WHAT: _any(
            r"\w*beitrag\w*|posts?|(?:ge)?post(?:e|et|ete|eten|en)|\w*thread"
            r"|antwort(?:en|ete|eten)?|(?:ge|be)antwortet\w*|\w*kommentar\w*|kommentiert\w*"
            r"|\w*videos?|\w*artikel\w*|live\s+(?:gegangen|gehen|ging)|\w*umfragen?|nachrichten?"
            r"|vortrag|vortrage|talks?|prasentation(?:en)?|geteilt|teilt(?:e|en)?|teilen"
            r"|zum\s+beispiel|beispielsweise|z\.\s?b"
        ),
        WHEN: _any(
            # "wenn" with a subjunctive or past verb in its clause is a wish ("schön, wenn sie
            # mehr posten würde") or a habit, never a moment; a moment in the past is "als".
            r"wenn(?![^.,;:!?]*\b(?:wurden?|waren?|hatten?|konnten?)\b)",
            r"(?:^|(?<=[.,;:!?]\s)|(?<=[.,;:!?]))als",
            r"(?:letzte|vergangene|vorige)[nrsm]?\s+(?:woche|monat|jahr|quartal|mal)",
            r"gestern",
            r"januar|februar|marz|april|mai|juni|juli|august|september|oktober|november"
            r"|dezember",
            r"vor\s+(?:einem|einer|zwei|drei|ein\s+paar|\d+)\s+(?:tag|woche|monat|jahr)\w*",
            r"wahrend",
            r"nach\s+de[mnr]|nachdem",
            r"kurzlich|neulich|vor\s+kurzem|letztens",
            r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag",
            r"\w*meetings?",
            r"\w*veranstaltung(?:en)?",
            r"\w*konferenz(?:en)?",
            r"\w*launch\w*",
            r"\w*workshops?",
        ),
        EFFECT: _any(
            r"ich\s+fuhlte|fuhlte\s+(?:ich|mich)|\w*gefuhlt|(?:hat|haben)\s+(?:mich|uns)"
            r"|(?:half|halfen)\s+(?:mir|uns)|geholfen|gelernt|lernte\s+ich|ich\s+lernte|angefangen"
            r"|(?:begann|fing)\s+ich|ich\s+(?:begann|fing)"
            r"|(?:also|deshalb|daher)\s+(?:habe|bin)\s+ich|zeigte\s+(?:mir|uns)|gezeigt|wir|uns"
            r"|unser\w*|dank\s+(?:ihr|ihm|ihre\w*|seine\w*|de[mnr]|diese\w*)|wegen"
        ),
    },
}


def _plain(text: str) -> str:
    """`text` without accents and with "’" as "'", as the patterns are written."""
    text = unicodedata.normalize("NFD", text.replace("’", "'"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def readings(text: str) -> tuple[str, ...]:
    """The languages to read `text` in: the one it is written in, else those it leans to
    most (all of them when it leans to none). Worked out each time, never kept."""
    detected = detect_language(text)
    if detected:
        return (detected,)
    points = scores(text)
    top = max(points.values())
    return tuple(locale for locale in SUPPORTED_LOCALES if points[locale] == top)


def signals(text: str) -> frozenset[str]:
    """Which of where, what, when and effect `text` names, in its own language."""
    plain = _plain(text)
    patterns = [_PATTERNS[locale] for locale in readings(text)]
    return frozenset(
        signal
        for signal in SIGNALS
        if (signal in _NEUTRAL and _NEUTRAL[signal].search(plain))
        or any(signal in by and by[signal].search(plain) for by in patterns)
    )


def specificity(text: str) -> int:
    """0-4: one point each for naming a platform, an artefact, a situation and an impact.

    Specific comments help a leader act; vague praise does not, so they go first.
    """
    return len(signals(text))


def lacks_context(text: str) -> bool:
    """No platform, no moment and no effect: the survey's review step then asks, once, whether
    the respondent wants to add one."""
    return not signals(text) & set(CONTEXT)
