"""Comments in several languages: each comment's language is read from its own words, recurring
words are compared within one language, and the report says only that several were used."""

from __future__ import annotations

import pytest

from feedback360.aggregation import Comment
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.analysis import analyse
from feedback360.analysis import rule_texts
from feedback360.languages import detect_language
from feedback360.languages import group_by_language
from feedback360.languages import several_languages
from feedback360.languages import words
from feedback360.locales import SUPPORTED_LOCALES
from feedback360.stopwords import STOPWORDS
from feedback360.words import compare_intent
from feedback360.words import recurring_terms
from feedback360.words import stem
from tests import handmade

SENTENCES = {
    "en": [
        "They reply to every comment and take the time to explain their thinking.",
        "I think she wants to be seen as the expert on community energy.",
        "Her videos on YouTube about the climate are what I share with my team.",
    ],
    "es": [
        "Responde a todos los comentarios y explica lo que piensa.",
        "Quiere que la gente confíe en el ayuntamiento y en sus proyectos.",
        "Sus vídeos en YouTube sobre el clima son lo que más comparto con mi equipo.",
    ],
    "fr": [
        "Il répond à tous les commentaires et explique ce qu'il pense.",
        "Elle veut que les gens fassent confiance à la mairie et à ses projets.",
        "Ses vidéos sur YouTube, surtout celles sur le climat, sont ce que je partage le plus.",
    ],
    "de": [
        "Er antwortet auf jeden Kommentar und erklärt, was er denkt.",
        "Sie will, dass die Leute der Stadt und ihren Projekten vertrauen.",
        "Ihre Videos auf YouTube über das Klima teile ich am häufigsten mit meinem Team.",
    ],
}


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [(locale, s) for locale, sentences in SENTENCES.items() for s in sentences],
)
def test_a_sentence_is_read_in_its_language(locale, sentence):
    assert detect_language(sentence) == locale


@pytest.mark.parametrize(
    "text",
    [
        "",
        "🎉🎉👍",
        "👏 LinkedIn!!!",
        "Great replies",
        "Sehr hilfreich",
        "2026",
        "ok",
        # Half English, half Spanish: neither is sure.
        "Very good, muy bien",
    ],
)
def test_too_short_mixed_or_wordless_text_has_no_language(text):
    assert detect_language(text) is None


def test_every_supported_language_has_its_common_words():
    assert set(STOPWORDS) == set(SUPPORTED_LOCALES)
    assert all(len(STOPWORDS[locale]) > 150 for locale in SUPPORTED_LOCALES)


def test_french_elisions_are_split_and_curly_apostrophes_straightened():
    assert words("L’équipe d'Ünïcode qu'il aime") == [
        "l",
        "équipe",
        "d",
        "ünïcode",
        "qu",
        "il",
        "aime",
    ]
    assert words("don’t") == ["don't"]  # an English contraction stays one word


def test_plurals_fold_by_each_languages_rule():
    assert stem("threads") == stem("thread") and stem("communities") == stem("community")
    assert stem("redes", "es") == stem("red", "es")
    assert stem("publicaciones", "es") == stem("publicación", "es")
    assert stem("réseaux", "fr") == stem("réseau", "fr")
    assert stem("Beiträge".lower(), "de") == stem("beitrag", "de")
    assert stem("ideen", "de") == stem("idee", "de")


def test_short_texts_join_their_language_and_a_mix_is_split():
    texts = [
        SENTENCES["en"][0],
        "Open data, mostly",
        SENTENCES["es"][0],
        "Muy útil",
        SENTENCES["es"][1],
    ]
    groups = group_by_language(texts)
    assert groups == {
        "en": [SENTENCES["en"][0], "Open data, mostly"],
        "es": [SENTENCES["es"][0], "Muy útil", SENTENCES["es"][1]],
    }
    assert group_by_language([]) == {}
    # Nothing tells on its own: read together, in the language they tell together.
    assert list(group_by_language(["Muy útil", "Muy cercana"])) == ["es"]
    assert list(group_by_language(["🎉", "👍"])) == ["en"]


def test_a_word_in_two_languages_does_not_recur_across_them():
    texts = [
        "Her idea about the climate was brilliant",
        "Una idea sobre el clima que me encantó",
        "Die Idee für das Klima hat mich überzeugt",
    ]
    assert recurring_terms(texts) == []


def test_recurring_words_are_found_within_each_language_with_its_own_common_words():
    texts = [
        "She explains community energy in plain words",
        "Community energy projects, every week",
        "Habla de energía comunitaria con mucha claridad",
        "Sus hilos sobre energía comunitaria son los mejores",
        "Ses fils sur l'énergie citoyenne sont les meilleurs",
        "Elle parle de l'énergie citoyenne avec clarté",
    ]
    terms = recurring_terms(texts)
    assert {(t.text, t.count, t.language) for t in terms} == {
        ("community energy", 2, "en"),
        ("energía comunitaria", 2, "es"),
        ("énergie citoyenne", 2, "fr"),
    }
    # Spanish and French common words ("sobre", "son", "les", "sont") never recur.
    assert not {"sobre", "son", "sont", "les", "con"} & {t.text for t in terms}


def test_german_common_words_are_common_only_in_german():
    english = ["Die hard fans of the show", "They will die on that hill, the die is cast"]
    assert [t.text for t in recurring_terms(english)] == ["die"]
    german = [
        "Die Beiträge über die Energiewende sind stark",
        "Die Energiewende erklärt sie in ihren Beiträgen",
    ]
    assert [t.text for t in recurring_terms(german)] == ["energiewende"]


def test_the_why_shares_words_only_with_answers_in_its_language():
    why = "I want to build trust in community energy and local climate projects."
    answers = [
        "Community energy, mostly, and trust in the council",
        "Building community energy cooperatives",
        "Proyectos de clima y energía comunitaria para el barrio",
        "Hablar del clima y de la energía comunitaria",
    ]
    comparison = compare_intent(why, answers)
    perceived = {t.text: t.language for t in comparison.perceived}
    assert perceived == {"community energy": "en", "energía comunitaria": "es", "clima": "es"}
    assert comparison.shared == ["community energy"]  # "clima" is not "climate"


def test_a_spanish_why_is_read_with_spanish_common_words():
    comparison = compare_intent(
        "Quiero que la gente confíe en la energía comunitaria.",
        ["La energía comunitaria del barrio", "Energía comunitaria y confianza"],
    )
    assert comparison.own_words == ["confíe", "energía", "comunitaria"]
    assert comparison.shared == ["energía comunitaria"]


def test_several_languages_needs_two_languages_with_two_sure_texts_each():
    en, es, fr = SENTENCES["en"], SENTENCES["es"], SENTENCES["fr"]
    assert several_languages(en[:2] + es[:2])
    assert several_languages(en + es + fr)
    assert not several_languages(en)
    assert not several_languages(en + es[:1])  # one Spanish answer: said nowhere
    assert not several_languages(en + es[:1] + fr[:1])
    # Texts too short to tell do not make a language.
    assert not several_languages(en + ["Muy útil", "Sehr hilfreich", "Muy cercana"][:1])
    assert not several_languages([])


def _results():
    """Five peers rating one statement: figures the analysis may read, and nothing else."""
    q = handmade.questionnaire((handmade.dimension("purpose", ("a",)),), handmade.groups("peer"))
    rows = [RatingRow(f"p{n}", "peer", "a", value) for n, value in enumerate((3, 4, 4, 5, 3))]
    return aggregate(q, rows, {"a": 4}, {"peer": 5}, 3)


def test_the_report_flag_says_only_that_several_languages_were_used():
    comments = {
        "purpose": [Comment("purpose", t, 0) for t in SENTENCES["en"][:2]],
        "keep": [Comment("keep", t, 0) for t in SENTENCES["es"][:2]],
    }
    mixed = analyse(_results(), comments, why="")
    assert mixed.several_languages is True
    one_spanish = {"purpose": comments["purpose"], "keep": comments["keep"][:1]}
    assert analyse(_results(), one_spanish, why="").several_languages is False
    sentence = rule_texts(5, 3, 5)["languages"]
    assert "several languages" in sentence
    # No language named, no number: in a small group either would point to a person.
    named = ("English", "Spanish", "French", "German", "español", "français", "Deutsch")
    assert not any(name.lower() in sentence.lower() for name in named)
    assert not any(char.isdigit() for char in sentence)
