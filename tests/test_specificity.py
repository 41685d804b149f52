"""How specific a comment is, read in its own language: the same comment scores the same in
English, Spanish, French and German, so cutting the report to its most specific comments, and
the review step's prompt to add context, treat every language alike. Plain data."""

from __future__ import annotations

import pytest

from feedback360.aggregation import CommentRow
from feedback360.aggregation import select_comments
from feedback360.anonymity import visibility
from feedback360.locales import SUPPORTED_LOCALES
from feedback360.specificity import lacks_context
from feedback360.specificity import readings
from feedback360.specificity import signals
from feedback360.specificity import specificity
from tests import handmade

# The same comment in each language, as a respondent might write it.
PARALLEL = {
    "full": {
        "en": "Last month on LinkedIn, her post about the reorganisation answered our questions "
        "before we asked, so I felt calmer.",
        "es": "El mes pasado en LinkedIn, su publicación sobre la reorganización respondió a "
        "nuestras preguntas antes de que las hiciéramos, y me sentí más tranquila.",
        "fr": "Le mois dernier sur LinkedIn, sa publication sur la réorganisation a répondu à nos "
        "questions avant même qu'on les pose, et je me suis sentie plus sereine.",
        "de": "Letzten Monat hat ihr Beitrag auf LinkedIn zur Umstrukturierung unsere Fragen "
        "beantwortet, bevor wir sie gestellt haben, und ich fühlte mich ruhiger.",
    },
    "example": {
        "en": "For example, when the launch slipped she wrote a thread explaining why, and it "
        "helped me explain it to my own team.",
        "es": "Por ejemplo, cuando se retrasó el lanzamiento escribió un hilo explicando por qué, "
        "y me ayudó a explicárselo a mi propio equipo.",
        "fr": "Par exemple, quand le lancement a pris du retard, elle a écrit un fil pour "
        "expliquer pourquoi, et ça m'a aidé à l'expliquer à ma propre équipe.",
        "de": "Zum Beispiel hat sie, als sich der Launch verzögerte, einen Thread geschrieben, "
        "der erklärte, warum, und das hat mir geholfen, es meinem eigenen Team zu erklären.",
    },
    "numbers": {
        "en": "Her newsletter in March had a poll about remote work; I learned a lot from the "
        "300 replies.",
        "es": "Su newsletter de marzo tenía una encuesta sobre el teletrabajo; aprendí mucho de "
        "las 300 respuestas.",
        "fr": "Sa newsletter de mars contenait un sondage sur le télétravail ; j'ai appris "
        "beaucoup des 300 réponses.",
        "de": "Ihr Newsletter im März hatte eine Umfrage zur Telearbeit; ich habe aus den 300 "
        "Antworten viel gelernt.",
    },
    "quote": {
        "en": 'She replied to a critic on Bluesky with "You are right, I got that wrong" and we '
        "all took note.",
        "es": "Respondió a una crítica en Bluesky con «Tienes razón, me equivoqué» y todos "
        "tomamos nota.",
        "fr": "Elle a répondu à une critique sur Bluesky par « Vous avez raison, je me suis "
        "trompée » et nous l'avons tous remarqué.",
        "de": "Sie antwortete auf Bluesky einer Kritikerin mit „Sie haben recht, da lag ich "
        "falsch“ und wir haben uns das alle gemerkt.",
    },
    "no_effect": {
        "en": "She could answer comments faster: last week a question under her Instagram post "
        "waited three days.",
        "es": "Podría responder antes a los comentarios: la semana pasada una pregunta bajo su "
        "publicación de Instagram esperó tres días.",
        "fr": "Elle pourrait répondre plus vite aux commentaires : la semaine dernière, une "
        "question sous sa publication Instagram a attendu trois jours.",
        "de": "Sie könnte schneller auf Kommentare antworten: Letzte Woche wartete eine Frage "
        "unter ihrem Instagram-Beitrag drei Tage.",
    },
    "habit": {
        "en": "When she disagrees with someone she asks a question first; I started doing the "
        "same.",
        "es": "Cuando no está de acuerdo con alguien, primero hace una pregunta; empecé a hacer "
        "lo mismo.",
        "fr": "Quand elle n'est pas d'accord avec quelqu'un, elle pose d'abord une question ; "
        "j'ai commencé à faire pareil.",
        "de": "Wenn sie anderer Meinung ist, stellt sie zuerst eine Frage; ich habe angefangen, "
        "es genauso zu machen.",
    },
    "short": {
        "en": "Her thread on LinkedIn",
        "es": "Su hilo en LinkedIn",
        "fr": "Son fil sur LinkedIn",
        "de": "Ihr Thread auf LinkedIn",
    },
}
VAGUE = {
    "praise": {
        "en": "Great stuff, keep it up.",
        "es": "Muy bien, sigue así.",
        "fr": "Très bien, continue comme ça.",
        "de": "Sehr gut, weiter so.",
    },
    "traits": {
        "en": "She is very inspiring and always positive.",
        "es": "Es muy inspiradora y siempre positiva.",
        "fr": "Elle est très inspirante et toujours positive.",
        "de": "Sie ist sehr inspirierend und immer positiv.",
    },
    "overall": {
        "en": "I think she is doing a good job overall.",
        "es": "Creo que en general hace un buen trabajo.",
        "fr": "Je pense qu'elle fait du bon travail dans l'ensemble.",
        "de": "Ich finde, sie macht insgesamt einen guten Job.",
    },
    "wish": {  # a wish names what to do more of, never a moment: "wenn" here is "if"
        "en": "It would be nice if she posted more often.",
        "es": "Estaría bien que publicara más a menudo.",
        "fr": "Ce serait bien qu'elle publie plus souvent.",
        "de": "Es wäre schön, wenn sie öfter posten würde.",
    },
}
ALL = PARALLEL | VAGUE


@pytest.mark.parametrize("name", ALL)
def test_the_same_comment_scores_the_same_in_every_language(name):
    found = {locale: signals(text) for locale, text in ALL[name].items()}
    assert set(found) == set(SUPPORTED_LOCALES)
    assert len(set(found.values())) == 1, found
    scores = [specificity(text) for text in ALL[name].values()]
    assert max(scores) - min(scores) == 0


@pytest.mark.parametrize("name", ALL)
def test_the_prompt_to_add_context_agrees_across_languages(name):
    assert len({lacks_context(text) for text in ALL[name].values()}) == 1


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_in_each_language_a_specific_comment_outscores_a_vague_one(locale):
    for vague in VAGUE.values():
        assert lacks_context(vague[locale])
        assert specificity(vague[locale]) <= 1
        for name in ("full", "example", "numbers", "quote", "habit"):
            assert specificity(PARALLEL[name][locale]) > specificity(vague[locale])
            assert not lacks_context(PARALLEL[name][locale])
    assert specificity(PARALLEL["full"][locale]) == 4


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_language_is_read_in_its_own_words(locale):
    for name in ("full", "example", "numbers", "quote", "habit"):
        assert readings(PARALLEL[name][locale]) == (locale,)


def test_cutting_to_the_most_specific_keeps_every_language_alike():
    groups = handmade.groups("peer")
    vis = visibility({"peer": 3}, 3, groups)
    texts = [s[locale] for s in (PARALLEL["full"], VAGUE["praise"]) for locale in SUPPORTED_LOCALES]
    rows = [CommentRow(f"{i:04d}", "peer", "advice", text) for i, text in enumerate(texts)]
    shown, left_out = select_comments(rows, vis, ("advice",), limit_per_key=4)
    assert {c.text for c in shown["advice"]} == set(PARALLEL["full"].values())
    assert left_out == {"advice": 4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", set()),
        ("👍👍", set()),
        ("Top!", set()),
        ("LinkedIn 👍", {"where"}),
        ("«Exactly this»", {"what"}),
        ("2025", {"what", "when"}),
        ("12.03, 9:30", {"what", "when"}),
        # Italian, which no pattern knows: the platform, the year and the digits still count.
        ("Il suo intervento su LinkedIn nel 2024", {"where", "what", "when"}),
    ],
)
def test_a_text_in_no_known_language_still_scores_its_neutral_signals(text, expected):
    assert signals(text) == expected
    assert lacks_context(text) == (not expected & {"where", "when", "effect"})


def test_a_text_too_short_to_tell_is_read_in_the_languages_it_leans_to():
    assert readings("👍") == SUPPORTED_LOCALES
    assert readings("Her LinkedIn posts") == ("en",)
    assert readings("Hier gut") == ("de",)  # German "here", not French "yesterday"
    assert lacks_context("Hier gut")
    assert not lacks_context("Hier, elle a répondu à tout le monde")


def test_missing_accents_and_typographic_apostrophes_read_the_same():
    assert signals("Publicó un hilo después de la reunión") == signals(
        "Publico un hilo despues de la reunion"
    )
    assert signals("Ça m’a aidée") == signals("Ca m'a aidee") == {"effect"}
    assert signals("Während des Meetings") == signals("Wahrend des Meetings") == {"when"}


def test_common_words_that_only_look_like_signals_do_not_count():
    assert signals("Mehr als gut") == set()  # "als" as "than"
    assert signals("Als sie den Thread schrieb, war ich froh.") == {"what", "when"}
    assert signals("Los últimos meses, bien") == set()  # "últimos" is no "we" verb
    assert signals("¡Vamos!") == set()
    assert signals("Comment dire... très bien") == set()  # French "how"
    assert signals("Vielen Dank!") == set()  # thanks, not "thanks to"
    assert signals("x marks the spot") == set()
    assert signals("She is very active on Threads") == {"where"}
