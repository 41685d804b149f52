"""Focus after a round: what to suggest working on, and checking the leader's plan.

A focus target is a statement (item) or a dimension of the round's questionnaire, named by its
id: the questionnaire refuses duplicate ids, so one id names one target. Suggestions come from
the report's own reading (`analysis.analyse`), so they rest only on figures the report shows:

1. Blind spots, biggest gap first: others rate the statement clearly lower than the leader does
   and agree with each other.
2. Dimensions where the leader is an over-rater (a big gap on the dimension), in questionnaire
   order.
3. The lowest-rated statements, lowest first.

A target is suggested once, for the first reason that applies. Big gaps where raters disagree,
or too few rated to say, are not suggested: one person could have made them.

A plan holds one to three entries (fewer, done well, help more); each says what the leader
will do, where, and how they will know it worked. `check_plan` returns the errors as data, per
entry and field, in plain words, so a form can show them beside the fields and keep the input.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import OVER
from .analysis import Analysis
from .questionnaire import Questionnaire
from .text import clean_text
from .wording import N_
from .wording import _

ITEM = "item"
DIMENSION = "dimension"
ANY_PLATFORM = "any"
ANY_PLATFORM_LABEL = N_("Any platform")  # translated where shown: `_(ANY_PLATFORM_LABEL)`
MIN_ENTRIES = 1
MAX_ENTRIES = 3
ACTION_MAX = 600
MEASURE_MAX = 400
SUGGESTIONS = 5

# Reasons shown beside a suggestion on the leader's plan page, translated there with `_()`.
BLIND_SPOT_REASON = N_("Others rate this lower than you do")
OVER_RATED_DIMENSION_REASON = N_("Others rate this area lower than you do")
LOWEST_REASON = N_("Among the lowest rated")


@dataclass(frozen=True)
class FocusTarget:
    """A statement or a dimension, with the words the leader sees and the items it covers."""

    id: str
    kind: str  # ITEM or DIMENSION
    title: str  # a statement's text, or a dimension's title
    dimension_id: str  # the dimension itself, or the statement's
    item_ids: tuple[str, ...]  # the statement alone, or the dimension's statements in order


def resolve_target(questionnaire: Questionnaire, target_id: str) -> FocusTarget | None:
    """The target this id names in this questionnaire, or None."""
    for dim in questionnaire.dimensions:
        if dim.id == target_id:
            items = tuple(item.id for item in dim.items)
            return FocusTarget(dim.id, DIMENSION, dim.title, dim.id, items)
        for item in dim.items:
            if item.id == target_id:
                return FocusTarget(item.id, ITEM, item.text, dim.id, (item.id,))
    return None


@dataclass(frozen=True)
class Suggestion:
    target: FocusTarget
    reason: str


def suggest_focus(
    analysis: Analysis, questionnaire: Questionnaire, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Up to `limit` targets, in the order of the module docstring, each once."""
    candidates: list[tuple[str, str]] = [
        (i.item_id, BLIND_SPOT_REASON) for i in analysis.blind_spots
    ]
    candidates += [
        (dim.id, OVER_RATED_DIMENSION_REASON)
        for dim in questionnaire.dimensions
        if analysis.dimension_categories.get(dim.id) == OVER
    ]
    candidates += [(item.item_id, LOWEST_REASON) for item in analysis.lowest]
    suggestions: list[Suggestion] = []
    seen: set[str] = set()
    for target_id, reason in candidates:
        target = resolve_target(questionnaire, target_id)
        if target is None or target_id in seen:
            continue
        seen.add(target_id)
        suggestions.append(Suggestion(target, reason))
    return suggestions[: max(limit, 0)]


# --- The plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    """One entry of the plan form as typed."""

    target: str | None = ""
    action: str | None = ""
    platform: str | None = ""
    measure: str | None = ""


@dataclass(frozen=True)
class FocusEntry:
    """One checked entry: what to work on, what the leader will do, where, and their measure."""

    target_id: str
    action: str
    platform: str  # a platform id of the questionnaire, or ANY_PLATFORM
    measure: str


@dataclass(frozen=True)
class FieldError:
    entry: int | None  # the entry's position in the form; None for the plan as a whole
    field: str  # "target", "action", "platform", "measure"; "" for the plan as a whole
    message: str


@dataclass(frozen=True)
class PlanCheck:
    entries: tuple[FocusEntry, ...]  # empty unless the plan is valid
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_for(self, entry: int | None, field: str = "") -> list[str]:
        return [e.message for e in self.errors if e.entry == entry and e.field == field]


def platform_choices(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(id, label) for the plan's platform menu: "Any platform" first, then the list."""
    return [(ANY_PLATFORM, _(ANY_PLATFORM_LABEL))] + [
        (p.id, p.label) for p in questionnaire.platforms
    ]


def platform_label(questionnaire: Questionnaire, platform: str) -> str:
    return (
        _(ANY_PLATFORM_LABEL)
        if platform == ANY_PLATFORM
        else questionnaire.platform_label(platform)
    )


def _is_blank(entry: EntryInput) -> bool:
    return not any(clean_text(v) for v in (entry.target, entry.action, entry.measure))


def check_plan(inputs: Sequence[EntryInput], questionnaire: Questionnaire) -> PlanCheck:
    """Check a plan form; an entry with no target, action or measure is an unused slot.

    Errors keep the entry's position in `inputs`, so the form shows each beside its field.
    """
    used = [(index, entry) for index, entry in enumerate(inputs) if not _is_blank(entry)]
    errors: list[FieldError] = []
    if len(used) < MIN_ENTRIES:
        errors.append(FieldError(None, "", _("Choose at least one thing to focus on.")))
    if len(used) > MAX_ENTRIES:
        errors.append(
            FieldError(
                None,
                "",
                _(
                    "Choose at most %(most)s things to focus on: a few, done well, help more "
                    "than many. You have %(count)s.",
                    most=MAX_ENTRIES,
                    count=len(used),
                ),
            )
        )
    platforms = {p.id for p in questionnaire.platforms} | {ANY_PLATFORM}
    entries: list[FocusEntry] = []
    chosen: dict[str, FocusTarget] = {}
    for index, entry in used:
        target_id = clean_text(entry.target)
        action, measure = clean_text(entry.action), clean_text(entry.measure)
        platform = clean_text(entry.platform)
        target = resolve_target(questionnaire, target_id) if target_id else None
        if not target_id:
            errors.append(
                FieldError(index, "target", _("Choose a statement or an area to focus on."))
            )
        elif target is None:
            errors.append(
                FieldError(index, "target", _("This is not a statement or area of this round."))
            )
        else:
            clash = _clash(target, chosen)
            if clash:
                errors.append(FieldError(index, "target", clash))
            chosen[target.id] = target
        errors += _text_errors(index, "action", action, ACTION_MAX, _("Say what you will do."))
        if platform not in platforms:
            errors.append(
                FieldError(
                    index,
                    "platform",
                    _(
                        "Choose a platform from the list, or “%(any)s”.",
                        any=_(ANY_PLATFORM_LABEL),
                    ),
                )
            )
        errors += _text_errors(
            index, "measure", measure, MEASURE_MAX, _("Say how you will know it worked.")
        )
        entries.append(FocusEntry(target_id, action, platform, measure))
    return PlanCheck(tuple(entries) if not errors else (), tuple(errors))


def _clash(target: FocusTarget, chosen: dict[str, FocusTarget]) -> str:
    """Why `target` cannot join the targets chosen above it, or ""."""
    if target.id in chosen:
        return _("You chose this one twice: keep it once.")
    for other in chosen.values():
        if set(target.item_ids) & set(other.item_ids):
            area = target if target.kind == DIMENSION else other
            return _(
                "This overlaps with “%(area)s” above, which already covers this statement: "
                "keep one of them.",
                area=area.title,
            )
    return ""


def _text_errors(index: int, field: str, text: str, limit: int, empty: str) -> list[FieldError]:
    if not text:
        return [FieldError(index, field, empty)]
    if len(text) > limit:
        return [
            FieldError(
                index,
                field,
                _(
                    "Please keep this to %(limit)s characters; it has %(length)s.",
                    limit=limit,
                    length=len(text),
                ),
            )
        ]
    return []
