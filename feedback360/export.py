"""A closed round's results as CSV and JSON files that say exactly what the report says.

Built only from the report's own figures (`RoundResults`) and the comments the report selected,
never from responses: no response id, no row per response, no group label on a comment, and
nothing about a hidden group, not even its count. Withheld figures are empty cells in CSV and
null in JSON. Means are rounded to one decimal as the report prints them, so the file tells no
more than the page does. Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .aggregation import Comment
from .aggregation import DimensionResult
from .aggregation import ItemResult
from .aggregation import RoundResults
from .questionnaire import Questionnaire

FORMAT = "feedback360-results/1"
# A spreadsheet runs a cell starting with one of these as a formula; comments come from anyone
# holding an open link, so text cells starting with one get a leading apostrophe (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RoundExport:
    """What an export holds; the view fills it from the report's data."""

    title: str
    leader_name: str
    why: str
    success_measures: str
    opened_on: date | None
    closed_on: date | None
    questionnaire: Questionnaire
    results: RoundResults
    comments: Mapping[str, Sequence[Comment]]  # by key, in the report's order
    cautions: Sequence[str] = ()
    # After the round (`followup.export`): forecast, plan, word back, pulse; JSON only.
    followup: Mapping | None = None


def _mean(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _distribution(item: ItemResult) -> list[int] | None:
    """Counts per scale point, or None where the report withholds them (too few raters)."""
    shown = item.others_mean is not None and item.distribution_shown
    return list(item.distribution) if shown else None


def _units(export: RoundExport, means: Mapping[str, float | None]) -> dict[str, float | None]:
    return {unit.id: _mean(means.get(unit.id)) for unit in export.results.visibility.units}


def _item(export: RoundExport, item: ItemResult) -> dict:
    q = export.questionnaire
    return {
        "id": item.item_id,
        "text": next(i.text for i in q.items if i.id == item.item_id),
        "self": item.self_value,
        "all_raters": _mean(item.others_mean),
        "gap": item.gap,
        "ratings": item.others_n,
        "not_observed": item.not_observed,
        "units": _units(export, item.unit_means),
        "distribution": _distribution(item),
    }


def _dimension(export: RoundExport, dimension: DimensionResult) -> dict:
    res = export.results
    return {
        "id": dimension.dimension_id,
        "title": export.questionnaire.dimension(dimension.dimension_id).title,
        "self": _mean(dimension.self_mean),
        "all_raters": _mean(dimension.others_mean),
        "gap": dimension.gap,
        "units": _units(export, dimension.unit_means),
        "items": [_item(export, item) for item in res.items_of(dimension.dimension_id)],
    }


def _question(q: Questionnaire, key: str) -> str:
    for dimension in q.dimensions:
        if dimension.id == key:
            return dimension.title
    return next(question.text for question in q.open_questions if question.id == key)


def as_dict(export: RoundExport) -> dict:
    """The whole export as plain JSON-ready data."""
    q, res = export.questionnaire, export.results
    vis = res.visibility
    return {
        "format": FORMAT,
        "round": {
            "title": export.title,
            "leader": export.leader_name,
            "why": export.why,
            "success_measures": export.success_measures,
            "opened_on": export.opened_on.isoformat() if export.opened_on else None,
            "closed_on": export.closed_on.isoformat() if export.closed_on else None,
            "questionnaire_version": q.version,
            "anonymity_threshold": vis.threshold,
        },
        "scale": [{"value": n, "label": label} for n, label in enumerate(q.scale, start=1)],
        "respondents": vis.reported_respondents,
        "units": [
            {
                "id": unit.id,
                "label": unit.label,
                "respondents": unit.respondents,
                "groups": list(unit.group_ids),
            }
            for unit in vis.units
        ],
        "cautions": list(export.cautions),
        "dimensions": [_dimension(export, d) for d in res.dimensions],
        "comments": [
            {
                "key": key,
                "question": _question(q, key),
                "comments": [comment.text for comment in comments],
            }
            for key, comments in export.comments.items()
        ],
        **({"followup": dict(export.followup)} if export.followup else {}),
    }


def as_json(export: RoundExport) -> str:
    return json.dumps(as_dict(export), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("section", "key", "text", "self", "all_raters", "gap", "ratings", "not_observed")


def as_csv(export: RoundExport) -> str:
    """One table: a respondents row, then each dimension followed by its items, then comments.

    Columns after the fixed ones: one per reported unit (its mean), then one per scale point
    (how many chose it). A cell is empty where the report shows nothing. The round's own
    details (title, dates, the leader's statements) and what followed it are in the JSON only.
    """
    doc = as_dict(export)
    units = doc["units"]
    scale = doc["scale"]
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [*CSV_COLUMNS, *(u["label"] for u in units), *(f"{s['value']} {s['label']}" for s in scale)]
    )

    def row(section: str, key: str, text: str, **cells) -> None:
        values = [section, key, _safe_text(text)]
        values += [_cell(cells.get(name)) for name in CSV_COLUMNS[3:]]
        values += [_cell(cells.get("units", {}).get(u["id"])) for u in units]
        values += [_cell(n) for n in (cells.get("distribution") or [None] * len(scale))]
        writer.writerow(values)

    respondents = {u["id"]: u["respondents"] for u in units}
    row(
        "respondents",
        "",
        "People whose answers count",
        all_raters=doc["respondents"],
        units=respondents,
    )
    for dim in doc["dimensions"]:
        row("dimension", dim["id"], dim["title"], **_figures(dim))
        for item in dim["items"]:
            row(
                "item",
                item["id"],
                item["text"],
                ratings=item["ratings"],
                not_observed=item["not_observed"],
                distribution=item["distribution"],
                **_figures(item),
            )
    for block in doc["comments"]:
        for text in block["comments"]:
            row("comment", block["key"], text)
    return out.getvalue()


def _figures(entry: dict) -> dict:
    return {name: entry[name] for name in ("self", "all_raters", "gap", "units")}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text
