"""Small hand-made questionnaires for tests of the pure analysis code, with known answers."""

from __future__ import annotations

from feedback360.questionnaire import Dimension
from feedback360.questionnaire import Group
from feedback360.questionnaire import Item
from feedback360.questionnaire import OpenQuestion
from feedback360.questionnaire import Questionnaire

SCALE = ("Never", "Rarely", "Sometimes", "Often", "Always")


def groups(*ids: str) -> tuple[Group, ...]:
    return tuple(
        Group(id=gid, label=gid.title(), plural=f"{gid.title()}s", description="") for gid in ids
    )


def dimension(dim_id: str, item_ids: tuple[str, ...], text: str = "{}") -> Dimension:
    """A dimension whose items read `text` with the item id filled in."""
    return Dimension(
        id=dim_id,
        title=dim_id.title(),
        description="",
        fundamental="",
        comment_prompt="",
        items=tuple(
            Item(id=i, dimension_id=dim_id, text=text.format(i), self_text=i) for i in item_ids
        ),
    )


def questionnaire(
    dimensions: tuple[Dimension, ...],
    rater_groups: tuple[Group, ...],
    open_questions: tuple[OpenQuestion, ...] = (),
) -> Questionnaire:
    return Questionnaire(
        version="test.1",
        title="Test",
        introduction="",
        scale=SCALE,
        not_observed="Not observed",
        groups=rater_groups,
        dimensions=dimensions,
        open_questions=open_questions,
    )
