"""The results page's two charts, laid out for a phone: each dimension's name on a line of its
own above its bar, in a drawing about as wide as a phone, so the text stays legible (12-13 px)
where the report's wide charts would shrink to 7 px or scroll sideways.

Same figures, shapes and colours as `charts`, which draws the PDF's (and the wide screen's).
Pure functions returning `markupsafe.Markup`; every piece of text is escaped in `charts._text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from ..analysis import big_gap
from ..analysis import category_label
from ..analysis import is_big
from ..wording import _
from .charts import PALETTE
from .charts import _free_lane
from .charts import _legend
from .charts import _points
from .charts import _svg
from .charts import _text
from .charts import _wrap
from .charts import fmt
from .charts import legend_entries
from .charts import marker
from .charts import signed
from .charts import unit_shape

if TYPE_CHECKING:
    from ..aggregation import RoundResults
    from ..questionnaire import Questionnaire

WIDTH = 340.0
TITLE_SIZE = 13
NUMBER_SIZE = 12.5
SMALL_SIZE = 11.5


def _title(x: float, y: float, text: str) -> str:
    """A dimension's name, with a white halo where it crosses a grid line or a shaded band."""
    halo = 'stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    return f"<g {halo}>{_text(x, y, text, size=TITLE_SIZE)}</g>"


def dimension_bars(results: RoundResults, questionnaire: Questionnaire) -> Markup:
    """All raters' mean as a bar, self as a diamond, groups as shapes; name above each bar."""
    scale_max, scale = results.scale_max, questionnaire.scale
    units = results.visibility.units
    show_units = len(units) > 1
    x0, x1, col_others, col_self = 8.0, 214.0, 282.0, 336.0
    row_h = 70.0 if show_units else 46.0

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (value - 1) / max(scale_max - 1, 1)

    entries = legend_entries(
        units if show_units else (), _("All raters"), box_height=12, diamond=6, shape=5
    )
    body, legend_bottom = _legend(entries, WIDTH, size=SMALL_SIZE, line_height=20)
    scale_line = _(
        "Scale: 1 %(lowest)s to %(highest)s %(highest_word)s",
        lowest=scale[0],
        highest=scale_max,
        highest_word=scale[-1],
    )
    body.append(_text(0, legend_bottom + 24, scale_line, size=SMALL_SIZE, fill=PALETTE["muted"]))
    axis_y = legend_bottom + 44
    top = axis_y + 8
    bottom = top + row_h * len(results.dimensions)
    for value in range(1, scale_max + 1):
        tx = x(value)
        body.append(
            f'<line x1="{tx:.1f}" y1="{top:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{PALETTE["line"]}" stroke-width="0.8"/>'
        )
        body.append(_text(tx, axis_y, str(value), size=SMALL_SIZE, anchor="middle"))
    for column, heading in ((col_others, _("All raters")), (col_self, _("Self"))):
        body.append(
            _text(column, axis_y, heading, size=SMALL_SIZE, anchor="end", fill=PALETTE["muted"])
        )
    for row, dim in enumerate(results.dimensions):
        y = top + row * row_h
        title = _wrap(questionnaire.dimension(dim.dimension_id).title, 44, 1)[0]
        body.append(_title(0, y + 17, title))
        cy = y + 32
        if dim.others_mean is not None:
            bar_w = max(x(dim.others_mean) - x0, 2.0)
            body.append(
                f'<rect x="{x0:.1f}" y="{cy - 7:.1f}" width="{bar_w:.1f}" height="14" '
                f'fill="{PALETTE["others"]}"/>'
            )
        else:
            body.append(_text(x0 + 4, cy + 4, _("too few ratings"), size=SMALL_SIZE))
        if dim.self_mean is not None:
            body.append(marker("diamond", x(dim.self_mean), cy, 7.5, PALETTE["self"]))
        if show_units:
            placed: list[tuple[float, int]] = []  # (x, lane) of the markers already drawn
            for i, unit in enumerate(units):
                value = dim.unit_means.get(unit.id)
                if value is None:
                    continue
                lane = _free_lane(x(value), placed, spacing=11)
                placed.append((x(value), lane))
                shape = unit_shape(unit.id, i)
                body.append(marker(shape, x(value), cy + 17 + lane * 11, 5, PALETTE["group"]))
        others, own = fmt(dim.others_mean), fmt(dim.self_mean)
        body.append(_text(col_others, cy + 4.5, others, size=NUMBER_SIZE, anchor="end", bold=True))
        body.append(_text(col_self, cy + 4.5, own, size=NUMBER_SIZE, anchor="end"))
    return _svg(WIDTH, bottom + 4, _bars_label(results, questionnaire), body, "chart phone-chart")


def _bars_label(results: RoundResults, questionnaire: Questionnaire) -> str:
    scale = questionnaire.scale
    rows = [
        _(
            "%(dimension)s: all raters %(others)s, self %(own)s",
            dimension=questionnaire.dimension(d.dimension_id).title,
            others=fmt(d.others_mean),
            own=fmt(d.self_mean),
        )
        for d in results.dimensions
    ]
    return _(
        "Self and all raters by dimension, on a scale of 1 (%(lowest)s) to %(highest)s "
        "(%(highest_word)s). %(figures)s.",
        lowest=scale[0],
        highest=results.scale_max,
        highest_word=scale[-1],
        figures="; ".join(rows),
    )


def gap_chart(results: RoundResults, questionnaire: Questionnaire, categories: dict) -> Markup:
    """Self minus all raters per dimension, as bars either side of zero, name above each."""
    limit, threshold = 2.0, big_gap(results.scale_max)
    x0, x1, row_h = 50.0, 290.0, 42.0  # room for "+2.2" past an arrow either side
    centre = (x0 + x1) / 2

    def x(gap: float) -> float:
        return centre + (x1 - centre) * max(-limit, min(limit, gap)) / limit

    others_higher = "\u2190 " + _("Others rate higher")
    self_higher = _("Self rates higher") + " \u2192"
    # Both ends on one line when they fit (about 0.6 em a character), else one under the other.
    fits = (len(others_higher) + len(self_higher)) * SMALL_SIZE * 0.6 + 12 <= WIDTH
    second_y = 14 if fits else 30
    body = [
        _text(0, 14, others_higher, size=SMALL_SIZE, fill=PALETTE["muted"]),
        _text(WIDTH, second_y, self_higher, size=SMALL_SIZE, anchor="end", fill=PALETTE["muted"]),
    ]
    top = second_y + 10.0
    bottom = top + row_h * len(results.dimensions)
    for left, right in ((x0, x(-threshold)), (x(threshold), x1)):
        body.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
            f'height="{bottom - top:.1f}" fill="{PALETTE["soft"]}"/>'
        )
    for value in (-2, -1, 0, 1, 2):
        tx = x(value)
        colour = PALETTE["ink"] if value == 0 else PALETTE["line"]
        body.append(
            f'<line x1="{tx:.1f}" y1="{top:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{colour}"/>'
        )
        tick = f"{value:+d}" if value else "0"
        body.append(
            _text(tx, bottom + 15, tick, size=SMALL_SIZE, anchor="middle", fill=PALETTE["muted"])
        )
    summary = []
    for row, dim in enumerate(results.dimensions):
        title = questionnaire.dimension(dim.dimension_id).title
        y = top + row * row_h
        body.append(_title(0, y + 16, _wrap(title, 44, 1)[0]))
        cy, gap = y + 29, dim.gap
        if gap is None:
            body.append(
                _text(centre + 5, cy + 4, _("not shown"), size=SMALL_SIZE, fill=PALETTE["muted"])
            )
            summary.append(_("%(dimension)s: not shown", dimension=title))
            continue
        left, right = sorted((centre, x(gap)))
        positive = gap > 0
        body.append(
            f'<rect x="{left:.1f}" y="{cy - 6:.1f}" width="{max(right - left, 1.0):.1f}" '
            f'height="12" fill="{PALETTE["accent"] if positive else "#ffffff"}" '
            f'stroke="{PALETTE["accent"]}"/>'
        )
        beyond = abs(gap) > limit
        if beyond:
            tip, k = (x1 + 7, 1) if positive else (x0 - 7, -1)
            points = _points(tip, cy, tip - 6 * k, cy - 5, tip - 6 * k, cy + 5)
            body.append(f'<polygon points="{points}" fill="{PALETTE["accent"]}"/>')
        text = signed(gap)
        room = 11 if beyond else 4
        tx = right + room if positive or gap == 0 else left - room
        anchor = "start" if positive or gap == 0 else "end"
        bold = is_big(gap, results.scale_max)
        body.append(_text(tx, cy + 4.5, text, size=NUMBER_SIZE, anchor=anchor, bold=bold))
        label = category_label(categories.get(dim.dimension_id), "")
        summary.append(f"{title}: {text}{', ' + label if label else ''}")
    description = _(
        "Gap between self and all raters by dimension (self minus all raters); shaded beyond "
        "±%(threshold)s. %(figures)s.",
        threshold=fmt(threshold),
        figures="; ".join(summary),
    )
    return _svg(WIDTH, bottom + 20, description, body, "chart phone-chart")
