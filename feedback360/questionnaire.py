"""The questionnaire, loaded from a versioned TOML data file.

Items live in `questionnaires/<version>.toml` so that wording can change without touching code.
A round records the version it was created with, so an old round keeps its old wording. Beside
each version, `<version>.<locale>.toml` translates its text (`questionnaire_translation`).
Pure module: no Flask import.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from dataclasses import replace
from functools import cache
from pathlib import Path

from . import locales
from .questionnaire_translation import translate

QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"
CURRENT_VERSION = "2026.3"
MINUTES = "{minutes}"  # in an introduction: the time `survey_time` measures


@dataclass(frozen=True)
class Item:
    id: str
    dimension_id: str
    text: str
    self_text: str


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    description: str
    fundamental: str
    comment_prompt: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Group:
    """A rater group, named one way everywhere, from the questionnaire's words:

    - `label`, one person's group: a row of a rater list, "You are answering as: Follower";
    - `plural`, the group as a name on its own: a heading, a table's row, a choice, "Followers";
    - `in_sentence`, the group inside a sentence: "the open link for followers".

    Pages, mail, forms, flash messages, the report and the export use these and nothing else
    (tests/test_group_names.py checks)."""

    id: str
    label: str
    plural: str
    description: str

    # German nouns keep their capital inside a sentence ("für Follower"); `load` sets it.
    nouns_keep_capital: bool = False

    @property
    def in_sentence(self) -> str:
        """The plural inside a sentence, its first letter small ("Staff" -> "staff"), unless
        the language's nouns keep their capital (`NOUNS_KEEP_CAPITAL`). The one place that
        decides it."""
        if self.nouns_keep_capital:
            return self.plural
        return self.plural[:1].lower() + self.plural[1:]


@dataclass(frozen=True)
class OpenQuestion:
    id: str
    text: str
    prompt: str


@dataclass(frozen=True)
class Platform:
    id: str
    label: str
    # In a translation: the English label, which rounds before 2026.3 stored.
    stored_label: str = ""

    def names(self) -> set[str]:
        """What a round may have stored for this platform: its id, or (before 2026.3) a label."""
        return {self.id, self.label, self.stored_label} - {""}


@dataclass(frozen=True)
class Fundamental:
    """One of the seeds' fundamentals, with the report's reflection questions for it."""

    name: str
    reflection: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: str
    introduction: str
    scale: tuple[str, ...]
    not_observed: str
    groups: tuple[Group, ...]
    dimensions: tuple[Dimension, ...]
    open_questions: tuple[OpenQuestion, ...]
    # Optional parts (version 2026.2 on): where respondents follow the leader, and the report's
    # reflection questions.
    platforms: tuple[Platform, ...] = ()
    platforms_question: str = ""
    platform_dimensions: tuple[str, ...] = ()
    fundamentals: tuple[Fundamental, ...] = ()
    # 2026.3 on: the survey shows dimension titles only (the report keeps the descriptions).
    dimension_descriptions_on_survey: bool = True
    locale: str = locales.DEFAULT_LOCALE  # the language of the text

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for dim in self.dimensions for item in dim.items)

    @property
    def scale_max(self) -> int:
        return len(self.scale)

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The groups' ids in the questionnaire's order, the order every list and report uses."""
        return tuple(g.id for g in self.groups)

    def in_group_order(self, entries, group_of=lambda entry: entry.rater_group) -> list:
        """`entries` (open links, say) by their group, in the questionnaire's order."""
        ids = self.group_ids
        return sorted(entries, key=lambda entry: ids.index(group_of(entry)))

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def introduction_for(self, minutes: int) -> str:
        """The introduction with the measured time in it, where it names one (2026.3 on)."""
        return self.introduction.replace(MINUTES, str(minutes))

    def platform_label(self, value: str) -> str:
        """A platform's label; a round stores ids (2026.3 on) or, before, the label itself."""
        return next((p.label for p in self.platforms if value and value in p.names()), value)

    def platform_ids(self, stored) -> list[str]:
        """A round's stored platforms as ids of this list, in its order: older rounds stored
        labels, which count where they are this list's own; anything else is dropped."""
        values = set(stored or ())
        return [p.id for p in self.platforms if values & p.names()]

    def comment_keys(self) -> tuple[str, ...]:
        """Every key a comment can be stored under: one per dimension, then the open questions."""
        return tuple(d.id for d in self.dimensions) + tuple(q.id for q in self.open_questions)


def parse(data: dict) -> Questionnaire:
    """Build a Questionnaire from the decoded TOML, checking ids are unique."""
    dimensions = tuple(
        Dimension(
            id=d["id"],
            title=d["title"],
            description=d["description"],
            fundamental=d["fundamental"],
            comment_prompt=d["comment_prompt"],
            items=tuple(
                Item(id=i["id"], dimension_id=d["id"], text=i["text"], self_text=i["self_text"])
                for i in d["items"]
            ),
        )
        for d in data["dimensions"]
    )
    questionnaire = Questionnaire(
        version=data["version"],
        title=data["title"],
        introduction=data["introduction"],
        scale=tuple(data["scale"]),
        not_observed=data["not_observed"],
        groups=tuple(Group(**g) for g in data["groups"]),
        dimensions=dimensions,
        open_questions=tuple(OpenQuestion(**q) for q in data["open_questions"]),
        platforms=tuple(Platform(**p) for p in data.get("platforms", ())),
        platforms_question=data.get("platforms_question", ""),
        platform_dimensions=tuple(data.get("platform_dimensions", ())),
        fundamentals=tuple(
            Fundamental(name=f["name"], reflection=tuple(f["reflection"]))
            for f in data.get("fundamentals", ())
        ),
        dimension_descriptions_on_survey=data.get("dimension_descriptions_on_survey", True),
    )
    keys = [i.id for i in questionnaire.items] + list(questionnaire.comment_keys())
    if len(keys) != len(set(keys)):
        raise ValueError(f"questionnaire {questionnaire.version} has duplicate ids")
    dimension_ids = {d.id for d in dimensions}
    if not set(questionnaire.platform_dimensions) <= dimension_ids:
        raise ValueError(f"questionnaire {questionnaire.version}: unknown platform dimension")
    if questionnaire.platforms and not questionnaire.platforms_question:
        raise ValueError(f"questionnaire {questionnaire.version}: platforms need a question")
    return questionnaire


@cache
def load(version: str = CURRENT_VERSION, locale: str = locales.DEFAULT_LOCALE) -> Questionnaire:
    """Version `version` with its text in `locale`; in English where that has no translation
    file (tests/test_questionnaire_translations.py proves every supported locale has one)."""
    english = parse(_read(QUESTIONNAIRE_DIR / f"{version}.toml"))
    locale = locales.supported(locale)
    path = translation_path(version, locale)
    if locale == locales.DEFAULT_LOCALE or not path.is_file():
        return english
    translated = translate(english, _read(path), locale)
    if locale not in NOUNS_KEEP_CAPITAL:
        return translated
    groups = tuple(replace(g, nouns_keep_capital=True) for g in translated.groups)
    return replace(translated, groups=groups)


# Languages whose nouns keep their capital letter inside a sentence.
NOUNS_KEEP_CAPITAL = frozenset({"de"})


def translation_path(version: str, locale: str) -> Path:
    return QUESTIONNAIRE_DIR / f"{version}.{locale}.toml"


def _read(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def available_versions() -> list[str]:
    """The released versions: `2026.3.toml` is one, its translation `2026.3.es.toml` is not."""
    stems = (p.stem for p in QUESTIONNAIRE_DIR.glob("*.toml"))
    return sorted(stem for stem in stems if not stem.rsplit(".", 1)[-1].isalpha())
