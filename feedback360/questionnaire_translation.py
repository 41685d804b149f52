"""A questionnaire's words in another language, laid over its English file.

A translation (`questionnaires/<version>.<locale>.toml`) holds text only, keyed by the English
file's ids: ids, order, scale length and every other setting come from the English file, so a
translation cannot change what is asked or how answers are stored. `shape` gives the text of a
questionnaire in the layout a translation file has; `problems` lists where a translation file
does not match it (the tests require none); `translate` lays a translation over the English text,
keeping English for anything missing.

Pure module: no Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .questionnaire import Questionnaire

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# Keys of a translation file that are not text.
META_KEYS = ("version", "locale")


def shape(q: Questionnaire) -> dict:
    """Every translatable text of `q`, keyed by id, in the layout of a translation file."""
    text: dict = {
        "title": q.title,
        "introduction": q.introduction,
        "scale": list(q.scale),
        "not_observed": q.not_observed,
        "groups": {
            g.id: {"label": g.label, "plural": g.plural, "description": g.description}
            for g in q.groups
        },
        "dimensions": {
            d.id: {
                "title": d.title,
                "description": d.description,
                "comment_prompt": d.comment_prompt,
            }
            for d in q.dimensions
        },
        "items": {i.id: {"text": i.text, "self_text": i.self_text} for i in q.items},
        "open_questions": {o.id: {"text": o.text, "prompt": o.prompt} for o in q.open_questions},
    }
    if q.platforms:
        text["platforms_question"] = q.platforms_question
        text["platforms"] = {p.id: {"label": p.label} for p in q.platforms}
    # A fundamental has no id but its English name, which the dimensions use to point to it.
    fundamentals = {
        f.name: {"name": f.name, "reflection": list(f.reflection)} for f in q.fundamentals
    }
    for d in q.dimensions:
        fundamentals.setdefault(d.fundamental, {"name": d.fundamental})
    text["fundamentals"] = fundamentals
    return text


def problems(english: Questionnaire, data: Mapping, locale: str) -> list[str]:
    """Where a translation file differs from the English file's ids and texts: a missing or
    extra id or field, an empty text where English has one (or the reverse), a placeholder such
    as {minutes} lost or added, a list of another length."""
    found = []
    if data.get("version") != english.version:
        found.append(f"version is {data.get('version')!r}, not {english.version!r}")
    if data.get("locale") != locale:
        found.append(f"locale is {data.get('locale')!r}, not {locale!r}")
    text = {key: value for key, value in data.items() if key not in META_KEYS}
    _compare(shape(english), text, "", found)
    return found


def _compare(expected, actual, path: str, found: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, Mapping):
            found.append(f"{path or 'file'}: expected a table")
            return
        for key in expected.keys() - actual.keys():
            found.append(f"{path}{key}: missing")
        for key in actual.keys() - expected.keys():
            found.append(f"{path}{key}: not in the English file")
        for key in expected.keys() & actual.keys():
            _compare(expected[key], actual[key], f"{path}{key}.", found)
        return
    where = path.rstrip(".")
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            found.append(f"{where}: expected a list of {len(expected)}")
            return
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            _compare(one, other, f"{path}{index}.", found)
        return
    if not isinstance(actual, str):
        found.append(f"{where}: expected text")
    elif bool(actual.strip()) != bool(expected.strip()):
        found.append(f"{where}: {'empty' if expected.strip() else 'not empty'} in English")
    elif sorted(PLACEHOLDER.findall(actual)) != sorted(PLACEHOLDER.findall(expected)):
        found.append(f"{where}: placeholders differ from English")


def translate(english: Questionnaire, data: Mapping, locale: str) -> Questionnaire:
    """`english` with the texts of `data`; English stays wherever `data` has no text."""
    text = _merge(shape(english), data)
    fundamental_names = {name: f["name"] for name, f in text["fundamentals"].items()}
    dimensions = tuple(
        replace(
            d,
            **text["dimensions"][d.id],
            fundamental=fundamental_names[d.fundamental],
            items=tuple(replace(i, **text["items"][i.id]) for i in d.items),
        )
        for d in english.dimensions
    )
    return replace(
        english,
        locale=locale,
        title=text["title"],
        introduction=text["introduction"],
        scale=tuple(text["scale"]),
        not_observed=text["not_observed"],
        platforms_question=text.get("platforms_question", english.platforms_question),
        groups=tuple(replace(g, **text["groups"][g.id]) for g in english.groups),
        dimensions=dimensions,
        open_questions=tuple(
            replace(o, **text["open_questions"][o.id]) for o in english.open_questions
        ),
        # A round before 2026.3 stored its platforms' English labels: keep them recognisable.
        platforms=tuple(
            replace(p, label=text["platforms"][p.id]["label"], stored_label=p.label)
            for p in english.platforms
        ),
        fundamentals=tuple(
            replace(
                f,
                name=fundamental_names[f.name],
                reflection=tuple(text["fundamentals"][f.name]["reflection"]),
            )
            for f in english.fundamentals
        ),
    )


def _merge(english, translated):
    """The English layout with each text of `translated` that has the same place and kind."""
    if isinstance(english, dict):
        if not isinstance(translated, Mapping):
            return english
        return {key: _merge(value, translated.get(key)) for key, value in english.items()}
    if isinstance(english, list):
        if not isinstance(translated, list) or len(translated) != len(english):
            return english
        return [_merge(one, other) for one, other in zip(english, translated, strict=True)]
    return translated if isinstance(translated, str) and translated.strip() else english
