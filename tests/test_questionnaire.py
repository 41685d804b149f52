"""The questionnaire data files: every released version loads and hangs together."""

from __future__ import annotations

import pytest

from feedback360 import questionnaire


@pytest.mark.parametrize("version", questionnaire.available_versions())
def test_every_version_loads_with_unique_ids(version):
    q = questionnaire.load(version)
    assert q.version == version
    assert 8 <= len(q.dimensions) <= 10
    assert all(2 <= len(d.items) <= 3 for d in q.dimensions)
    assert [o.id for o in q.open_questions] == ["intent", "keep", "change"]


def test_current_version_asks_where_respondents_follow_the_leader():
    q = questionnaire.load()
    assert q.version == questionnaire.CURRENT_VERSION
    assert {p.id for p in q.platforms} >= {"x", "linkedin", "bluesky", "mastodon", "instagram"}
    assert q.platforms_question
    assert set(q.platform_dimensions) == {"conversation", "platform_fit"}


def test_every_fundamental_has_reflection_questions():
    q = questionnaire.load()
    named = {f.name: f.reflection for f in q.fundamentals}
    assert {d.fundamental for d in q.dimensions} <= set(named)
    assert all(len(questions) >= 2 for questions in named.values())


def test_older_version_keeps_its_wording_and_has_no_platform_question():
    old = questionnaire.load("2026.1")
    assert old.platforms == () and old.fundamentals == ()
    assert "platform_fit" not in {d.id for d in old.dimensions}


def test_a_platform_dimension_must_exist():
    data = {
        "version": "x",
        "title": "",
        "introduction": "",
        "scale": ["a", "b"],
        "not_observed": "n",
        "groups": [],
        "dimensions": [],
        "open_questions": [],
        "platform_dimensions": ["nope"],
    }
    with pytest.raises(ValueError, match="unknown platform dimension"):
        questionnaire.parse(data)
