"""The questionnaire in every supported language: each version has a translation per locale,
with the English file's ids, every text present, placeholders kept, and words of its own."""

from __future__ import annotations

import tomllib

import pytest

from feedback360 import questionnaire
from feedback360.locales import DEFAULT_LOCALE
from feedback360.locales import SUPPORTED_LOCALES
from feedback360.questionnaire_translation import problems
from feedback360.questionnaire_translation import shape

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE]
CASES = [(v, locale) for v in questionnaire.available_versions() for locale in TRANSLATED]
# Brand names (LinkedIn, TikTok...) and a few short words may stay as in English; a translation
# that keeps more than this share of its texts English was copied, not written.
MAX_SAME_AS_ENGLISH = 0.15


def texts(tree, path=""):
    """(place, text) for every text of a translation-file layout."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from texts(value, f"{path}{key}.")
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from texts(value, f"{path}{index}.")
    else:
        yield path.rstrip("."), tree


def read(version, locale):
    with questionnaire.translation_path(version, locale).open("rb") as f:
        return tomllib.load(f)


def test_every_released_version_has_been_found_and_no_translation_counts_as_one():
    versions = questionnaire.available_versions()
    assert versions[-1] == questionnaire.CURRENT_VERSION
    assert {"2026.1", "2026.2", "2026.3"} <= set(versions)
    assert not [v for v in versions if v.rsplit(".", 1)[-1] in SUPPORTED_LOCALES]


@pytest.mark.parametrize(("version", "locale"), CASES)
def test_the_translation_file_exists_and_matches_the_english_ids_and_texts(version, locale):
    assert questionnaire.translation_path(version, locale).is_file()
    assert problems(questionnaire.load(version), read(version, locale), locale) == []


@pytest.mark.parametrize(("version", "locale"), CASES)
def test_the_loaded_translation_keeps_structure_and_changes_every_text(version, locale):
    english = questionnaire.load(version)
    translated = questionnaire.load(version, locale)
    assert translated.locale == locale and english.locale == DEFAULT_LOCALE
    assert translated.version == english.version
    assert [g.id for g in translated.groups] == [g.id for g in english.groups]
    assert [d.id for d in translated.dimensions] == [d.id for d in english.dimensions]
    assert [i.id for i in translated.items] == [i.id for i in english.items]
    assert [o.id for o in translated.open_questions] == [o.id for o in english.open_questions]
    assert [p.id for p in translated.platforms] == [p.id for p in english.platforms]
    assert translated.comment_keys() == english.comment_keys()
    assert translated.platform_dimensions == english.platform_dimensions
    assert translated.scale_max == english.scale_max
    assert translated.dimension_descriptions_on_survey == english.dimension_descriptions_on_survey
    # Every text of the loaded questionnaire is the translation file's, none fell back.
    file_texts = dict(texts(read(version, locale)))
    loaded = dict(texts(shape(translated)))
    for place, text in loaded.items():
        if place.startswith("fundamentals."):
            continue  # keyed by English name; checked below
        assert text == file_texts[place], place
    # A dimension's fundamental is the translated name the reflection questions carry.
    names = {f.name for f in translated.fundamentals}
    if names:
        assert {d.fundamental for d in translated.dimensions} <= names
    english_names = {d.fundamental for d in english.dimensions}
    assert not english_names & {d.fundamental for d in translated.dimensions}


@pytest.mark.parametrize(("version", "locale"), CASES)
def test_a_translation_is_written_not_copied(version, locale):
    english = dict(texts(shape(questionnaire.load(version))))
    translated = dict(texts(read(version, locale)))  # keyed as the English file is
    written = [place for place, text in english.items() if text.strip()]
    same = [place for place in written if translated[place] == english[place]]
    assert len(same) / len(written) <= MAX_SAME_AS_ENGLISH, same
    # Brand names may stay; anything a respondent reads as a sentence may not.
    sentences = [p for p in same if sum(w.isalpha() for w in english[p].split()) > 2]
    assert sentences == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_introduction_states_the_measured_minutes_in_every_language(locale):
    q = questionnaire.load(questionnaire.CURRENT_VERSION, locale)
    assert questionnaire.MINUTES in q.introduction
    assert "7" in q.introduction_for(7) and questionnaire.MINUTES not in q.introduction_for(7)


def test_an_old_rounds_english_platform_labels_are_still_recognised_in_a_translation():
    # A round before 2026.3 stored labels ("Blog or newsletter"); 2026.2 in Spanish reads them.
    spanish = questionnaire.load("2026.2", "es")
    assert spanish.platform_ids(["Blog or newsletter", "LinkedIn"]) == ["linkedin", "blog"]
    assert spanish.platform_label("Blog or newsletter") == "Blog o boletín"
    assert spanish.platform_label("blog") == "Blog o boletín"
    assert spanish.platform_label("Friendster") == "Friendster"
    assert spanish.platform_label("") == "" and spanish.platform_ids(["", "Friendster"]) == []


def test_an_unsupported_or_missing_locale_falls_back_to_english(tmp_path, monkeypatch):
    english = questionnaire.load()
    assert questionnaire.load(questionnaire.CURRENT_VERSION, "it") == english
    assert questionnaire.load(questionnaire.CURRENT_VERSION, "../2026.1") == english
    # A supported locale whose file is missing: the English text, not an error.
    for path in questionnaire.QUESTIONNAIRE_DIR.glob(f"{questionnaire.CURRENT_VERSION}*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / f"{questionnaire.CURRENT_VERSION}.de.toml").unlink()
    monkeypatch.setattr(questionnaire, "QUESTIONNAIRE_DIR", tmp_path)
    questionnaire.load.cache_clear()
    try:
        german = questionnaire.load(questionnaire.CURRENT_VERSION, "de")
        assert german.title == english.title and german.locale == DEFAULT_LOCALE
        assert questionnaire.load(questionnaire.CURRENT_VERSION, "fr").locale == "fr"
    finally:
        monkeypatch.undo()
        questionnaire.load.cache_clear()


def test_problems_names_a_missing_item_an_extra_id_and_a_lost_placeholder():
    english = questionnaire.load()
    data = read(questionnaire.CURRENT_VERSION, "es")
    del data["items"]["purpose_1"]["self_text"]
    data["items"]["purpose_9"] = {"text": "¿Otra?", "self_text": "¿Otra?"}
    data["introduction"] = "Te llevará unos cinco minutos."
    data["scale"] = data["scale"][:4]
    data["open_questions"]["intent"]["prompt"] = "Algo que en inglés está vacío."
    found = problems(english, data, "es")
    assert "items.purpose_1.self_text: missing" in found
    assert "items.purpose_9: not in the English file" in found
    assert "introduction: placeholders differ from English" in found
    assert "scale: expected a list of 5" in found
    assert "open_questions.intent.prompt: not empty in English" in found
    assert problems(english, data, "fr")[0] == "locale is 'es', not 'fr'"


def test_a_translation_file_cannot_change_ids_order_or_settings():
    english = questionnaire.load()
    data = read(questionnaire.CURRENT_VERSION, "fr")
    data["dimension_descriptions_on_survey"] = True
    data["items"] = dict(reversed(list(data["items"].items())))
    from feedback360.questionnaire_translation import translate

    french = translate(english, data, "fr")
    assert [i.id for i in french.items] == [i.id for i in english.items]
    assert french.dimension_descriptions_on_survey is False
    assert "dimension_descriptions_on_survey: not in the English file" in problems(
        english, data, "fr"
    )
