"""Inline SVG charts for the report, drawn from the same numbers as its tables.

Pure functions returning `markupsafe.Markup`; every piece of text is escaped here. The charts
must stay readable when printed in greyscale, so meaning is carried by shape and lightness
(self = dark diamond, others = mid-tone bar, groups = distinct marker shapes), not by hue alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import has_app_context
from markupsafe import Markup
from markupsafe import escape

from ..analysis import big_gap
from ..analysis import category_label
from ..analysis import is_big
from ..i18n import local_number
from ..wording import _

if TYPE_CHECKING:
    from ..aggregation import ItemResult
    from ..aggregation import RoundResults
    from ..questionnaire import Questionnaire

# Colours, defined once: the report's stylesheet names them as `var(--name)`, and
# `resolve_css_variables()` writes the values in before WeasyPrint parses it.
PALETTE = {
    "ink": "#1d2433",  # text, and the self marker
    "muted": "#5a6476",  # secondary text
    "line": "#d5dbe4",  # rules and grid lines
    "soft": "#eef3f7",  # tinted backgrounds
    "accent": "#1f5f8b",  # the one brand colour: headings, rules
    "self": "#1d2433",  # self: a dark diamond
    "others": "#79a6c9",  # others: a mid-tone bar, lighter than the self marker in greyscale
    "group": "#2f3a4c",  # reported groups: dark outlines, told apart by shape
}
# Lightest to darkest: rating 1 (Never) to rating 5 (Always); monotone in greyscale.
RAMP_LIGHT = (0xE3, 0xEC, 0xF3)
RAMP_DARK = (0x17, 0x47, 0x66)
# A shape for every rater group, so a group looks the same in every chart.
GROUP_SHAPES = {
    "follower": "circle",
    "colleague": "square",
    "staff": "triangle",
    "other": "triangle-down",
    "combined": "ring",
}
FALLBACK_SHAPES = ("cross", "circle", "square", "triangle", "triangle-down")
FONT = "DejaVu Sans, sans-serif"
DASH = "\u2013"


_CSS_VARIABLE = re.compile(r"var\(\s*--([a-z-]+)\s*\)")


def resolve_css_variables(css: str) -> str:
    """`css` with every `var(--name)` replaced by `PALETTE[name]`.

    Literal colours are cheaper for WeasyPrint than custom properties, which it resolves again for
    every element; an unknown name is an error, not a silently missing colour.
    """

    def colour(match: re.Match) -> str:
        name = match.group(1)
        if name not in PALETTE:
            raise KeyError(f"report.css uses var(--{name}), which is not in charts.PALETTE")
        return PALETTE[name]

    return _CSS_VARIABLE.sub(colour, css)


def fmt(value: float | None, digits: int = 1) -> str:
    """One decimal in the reader's language (3,4 in French), or a dash when there is no value.
    Outside the app (tests on plain data) the English form."""
    if value is None:
        return DASH
    return local_number(value, digits) if has_app_context() else f"{value:.{digits}f}"


def signed(value: float) -> str:
    """A gap or a change with its sign, in the reader's language: +1,4, -0,3, and 0,0 alone."""
    text = fmt(abs(value))
    if text == fmt(0.0):
        return text
    return ("+" if value > 0 else "-") + text


def unit_shape(unit_id: str, index: int = 0) -> str:
    return GROUP_SHAPES.get(unit_id, FALLBACK_SHAPES[index % len(FALLBACK_SHAPES)])


def ramp(scale_max: int) -> list[str]:
    """`scale_max` colours from light to dark."""
    steps = max(scale_max - 1, 1)
    colours = []
    for i in range(scale_max):
        t = i / steps
        rgb = (round(a + (b - a) * t) for a, b in zip(RAMP_LIGHT, RAMP_DARK, strict=True))
        colours.append("#{:02x}{:02x}{:02x}".format(*rgb))
    return colours


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float | None = None,
    anchor: str | None = None,
    fill: str | None = None,
    bold: bool = False,
) -> str:
    """A <text> element; attributes left out inherit from the enclosing <svg> or <g>."""
    attrs = f'x="{x:.1f}" y="{y:.1f}"'
    if size:
        attrs += f' font-size="{size}"'
    if anchor:
        attrs += f' text-anchor="{anchor}"'
    if fill:
        attrs += f' fill="{fill}"'
    if bold:
        attrs += ' font-weight="bold"'
    return f"<text {attrs}>{escape(text)}</text>"


def _points(*xy: float) -> str:
    return " ".join(f"{xy[i]:.1f},{xy[i + 1]:.1f}" for i in range(0, len(xy), 2))


def marker(shape: str, cx: float, cy: float, r: float, colour: str) -> str:
    """A small symbol; filled shapes get a white edge so they stand out on a bar."""
    common = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "diamond":
        points = _points(cx, cy - r, cx + r, cy, cx, cy + r, cx - r, cy)
        return f'<polygon points="{points}" {common}/>'
    if shape == "square":
        s = r * 0.85
        return (
            f'<rect x="{cx - s:.1f}" y="{cy - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" '
            f"{common}/>"
        )
    if shape in ("triangle", "triangle-down"):
        k = 1 if shape == "triangle" else -1
        tip, base = cy - k * r, cy + k * r * 0.8
        return f'<polygon points="{_points(cx, tip, cx + r, base, cx - r, base)}" {common}/>'
    if shape == "ring":
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.8:.1f}" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="1.6"/>'
        )
    if shape == "cross":
        d = r * 0.8
        path = f"M{_points(cx - d, cy - d)} L{_points(cx + d, cy + d)} " + (
            f"M{_points(cx - d, cy + d)} L{_points(cx + d, cy - d)}"
        )
        return f'<path d="{path}" stroke="{colour}" stroke-width="1.8"/>'
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.9:.1f}" {common}/>'


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """Split a label into at most `lines` lines of about `width` characters."""
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    out.append(current)
    if len(out) > lines:
        out = out[: lines - 1] + [" ".join(out[lines - 1 :])]
    if len(out[-1]) > width:
        out[-1] = out[-1][: width - 1].rstrip() + "\u2026"
    return out


def _svg(
    width: float,
    height: float,
    label: str,
    body: list[str],
    css_class: str,
    font_size: float = 10,
    extra: str = "",
) -> Markup:
    """The <title> is the accessible name (in browsers, and the Alt text of the tagged PDF); an
    aria-label as well would only double the text WeasyPrint has to parse."""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="{FONT}" font-size="{font_size}" fill="{PALETTE["ink"]}"{extra}>'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _legend(
    entries: list[tuple[str, str]], width: float, size: float = 9.5, line_height: float = 16
) -> tuple[list[str], float]:
    """Symbols (drawn around 0,0) with their labels, wrapped to `width`; also the last line's y."""
    body, lx, ly = [], 0.0, 10.0
    for symbol, text in entries:
        needed = 20 + len(text) * size * 0.59 + 16
        if lx + needed > width and lx > 0:
            lx, ly = 0.0, ly + line_height
        body.append(f'<g transform="translate({lx:.1f},{ly - 3:.1f})">{symbol}</g>')
        body.append(_text(lx + 19, ly + 0.5, text, size=size, fill=PALETTE["muted"]))
        lx += needed
    return body, ly


def _free_lane(
    mx: float, placed: list[tuple[float, int]], lanes: int = 2, spacing: float = 9
) -> int:
    """The first lane where a marker at `mx` overlaps no other; lane 0 if every lane is taken."""
    for lane in range(lanes):
        if all(abs(mx - px) >= spacing or pl != lane for px, pl in placed):
            return lane
    return 0


def legend_entries(
    units, all_raters: str, *, box_height: float, diamond: float, shape: float
) -> list[tuple[str, str]]:
    """The key of the dimension bars: all raters' bar, the self diamond, a shape per group shown
    (`units`, empty when only one is), drawn at the sizes of the chart they explain."""
    box = (
        f'<rect x="0" y="{-box_height / 2:g}" width="15" height="{box_height:g}" '
        f'fill="{PALETTE["others"]}"/>'
    )
    entries = [(box, all_raters), (marker("diamond", 7, 0, diamond, PALETTE["self"]), _("Self"))]
    entries += [
        (marker(unit_shape(u.id, i), 7, 0, shape, PALETTE["group"]), u.label)
        for i, u in enumerate(units)
    ]
    return entries


def dimension_bars(results: RoundResults, questionnaire: Questionnaire) -> Markup:
    """One row per dimension: all raters' mean as a bar, self as a diamond, groups as shapes."""
    scale_max = results.scale_max
    scale = questionnaire.scale
    units = results.visibility.units
    show_units = len(units) > 1
    width, x0, x1 = 660.0, 214.0, 526.0
    col_others, col_self = 606.0, 652.0
    row_h = 44.0 if show_units else 26.0

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (value - 1) / max(scale_max - 1, 1)

    entries = legend_entries(
        units if show_units else (), _("All raters (mean)"), box_height=10, diamond=5.5, shape=4.6
    )
    body, legend_bottom = _legend(entries, width)
    axis_y = legend_bottom + 24
    top = axis_y + 8
    bottom = top + row_h * len(results.dimensions)

    # Axis: one grid line per scale point, labelled with its number and word.
    for value in range(1, scale_max + 1):
        tx = x(value)
        body.append(
            f'<line x1="{tx:.1f}" y1="{top - 3:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{PALETTE["line"]}" stroke-width="0.8"/>'
        )
        word = scale[value - 1] if value - 1 < len(scale) else ""
        body.append(
            _text(
                tx,
                axis_y,
                f"{value} {word}".strip(),
                size=9,
                anchor="middle",
                fill=PALETTE["muted"],
            )
        )
    body.append(
        _text(col_others, axis_y, _("All raters"), size=9, anchor="end", fill=PALETTE["muted"])
    )
    body.append(_text(col_self, axis_y, _("Self"), size=9, anchor="end", fill=PALETTE["muted"]))

    summary: list[str] = []
    for row, dim in enumerate(results.dimensions):
        title = questionnaire.dimension(dim.dimension_id).title
        y = top + row * row_h
        cy = y + 12
        if row:
            body.append(
                f'<line x1="0" y1="{y:.1f}" x2="{width:.0f}" y2="{y:.1f}" '
                f'stroke="{PALETTE["line"]}" stroke-width="0.5"/>'
            )
        lines = _wrap(title, 34)
        first = cy + 3.5 if len(lines) == 1 else cy - 2
        for n, line in enumerate(lines):
            body.append(_text(0, first + n * 11.5, line, size=10.5))
        parts = [
            _("all raters %(mean)s", mean=fmt(dim.others_mean)),
            _("self %(mean)s", mean=fmt(dim.self_mean)),
        ]
        if dim.others_mean is not None:
            bar_w = max(x(dim.others_mean) - x0, 2.0)
            body.append(
                f'<rect x="{x0:.1f}" y="{cy - 6:.1f}" width="{bar_w:.1f}" height="12" '
                f'fill="{PALETTE["others"]}"/>'
            )
        else:
            body.append(
                _text(x0 + 4, cy + 3.5, _("too few ratings to show"), size=9, fill=PALETTE["muted"])
            )
        if dim.self_mean is not None:
            body.append(marker("diamond", x(dim.self_mean), cy, 6.5, PALETTE["self"]))
        if show_units:
            placed: list[tuple[float, int]] = []  # (x, lane) of markers already drawn
            for i, unit in enumerate(units):
                value = dim.unit_means.get(unit.id)
                parts.append(f"{unit.label} {fmt(value)}")
                if value is None:
                    continue
                mx = x(value)
                lane = _free_lane(mx, placed)
                placed.append((mx, lane))
                body.append(
                    marker(unit_shape(unit.id, i), mx, y + 26 + lane * 9, 4.2, PALETTE["group"])
                )
        body.append(
            _text(col_others, cy + 3.5, fmt(dim.others_mean), size=10.5, anchor="end", bold=True)
        )
        body.append(_text(col_self, cy + 3.5, fmt(dim.self_mean), size=10.5, anchor="end"))
        summary.append(f"{title}: {', '.join(parts)}")

    label = _(
        "Self and all raters by dimension, on a scale of 1 (%(lowest)s) to %(highest)s "
        "(%(highest_word)s). %(figures)s.",
        lowest=scale[0],
        highest=scale_max,
        highest_word=scale[-1],
        figures="; ".join(summary),
    )
    return _svg(width, bottom + 4, label, body, "chart dimension-bars")


def distribution_strip(
    item_result: ItemResult, scale_max: int, scale_labels: Sequence[str] | None = None
) -> Markup:
    """A small stacked bar of how many people chose 1..scale_max for one item.

    Kept lean (a rect and at most one number per scale point): WeasyPrint pays for every SVG
    element, and a report has one strip per item.
    """
    width, height = 120.0, 14.0
    counts = tuple(item_result.distribution)[:scale_max]
    total = sum(counts)
    if item_result.others_mean is None or not item_result.distribution_shown or total == 0:
        body = [
            f'<rect x="0.5" y="0.5" width="{width - 1:.0f}" height="{height - 1:.0f}" '
            f'fill="none" stroke="{PALETTE["line"]}"/>'
        ]
        return _svg(
            width, height, _("Too few ratings to show how they were spread."), body, "chart strip"
        )
    labels = list(scale_labels or [])
    colours = ramp(scale_max)
    rects, numbers, left = [], [], 0.0
    for i, count in enumerate(counts):
        if not count:
            continue
        w = width * count / total
        rects.append(
            f'<rect x="{left:.1f}" width="{max(w - 0.8, 0.6):.1f}" height="14" '
            f'fill="{colours[i]}"/>'
        )
        if w >= 11:
            light = i >= scale_max / 2
            numbers.append(
                _text(left + w / 2 - 0.4, 10.3, str(count), fill="#ffffff" if light else None)
            )
        left += w
    # Short, as there is one per item: "Ratings from 1 (Never) to 5 (Always): 0, 1, 4, 6, 9."
    ends = [str(n) for n in (1, scale_max)]
    if len(labels) >= scale_max:
        ends = [f"1 ({labels[0]})", f"{scale_max} ({labels[scale_max - 1]})"]
    label = _(
        "Ratings from %(lowest)s to %(highest)s: %(counts)s.",
        lowest=ends[0],
        highest=ends[1],
        counts=", ".join(map(str, counts)),
    )
    # text-anchor on the <svg> itself: it only affects the numbers, and saves a <g> per colour.
    return _svg(
        width,
        height,
        label,
        rects + numbers,
        "chart strip",
        font_size=8.5,
        extra=' text-anchor="middle"',
    )


def scale_key(scale: Sequence[str]) -> Markup:
    """The key to the distribution strips: one swatch per scale point."""
    colours = ramp(len(scale))
    body, x = [], 0.0
    for i, word in enumerate(scale):
        text = f"{i + 1} {word}"
        body.append(f'<rect x="{x:.1f}" y="2" width="12" height="10" fill="{colours[i]}"/>')
        body.append(_text(x + 16, 11, text, fill=PALETTE["muted"]))
        x += 16 + len(text) * 5.4 + 14
    label = _(
        "Key to the spread of ratings: %(points)s",
        points=", ".join(f"{i + 1} {w}" for i, w in enumerate(scale)),
    )
    return _svg(x, 14, label, body, "chart key", font_size=9)


def gap_chart(results: RoundResults, questionnaire: Questionnaire, categories: dict) -> Markup:
    """Self minus all raters per dimension, as bars either side of zero.

    The agreement categories (`categories`, by dimension id) go into the accessible description;
    the table under the chart prints them. Bars to the right (self higher) are dark, to the left
    (others higher) light with a dark edge, so direction survives greyscale; the shaded bands
    beyond ± the big-gap line mark gaps of more than a third of the scale.
    """
    limit = 2.0  # gaps are drawn up to ±2 points; longer bars are cut with an arrow
    threshold = big_gap(results.scale_max)
    # Room either side for a cut bar's arrow and its label ("+2.2" past the arrow, never clipped).
    width, x0, x1 = 660.0, 250.0, 612.0
    row_h = 22.0
    centre = (x0 + x1) / 2

    def x(gap: float) -> float:
        return centre + (x1 - centre) * max(-limit, min(limit, gap)) / limit

    body = [
        _text(x0, 10, "\u2190 " + _("Others rate higher"), size=9, fill=PALETTE["muted"]),
        _text(
            x1, 10, _("Self rates higher") + " \u2192", size=9, anchor="end", fill=PALETTE["muted"]
        ),
    ]
    top = 20.0
    bottom = top + row_h * len(results.dimensions)
    for left, right in ((x0, x(-threshold)), (x(threshold), x1)):
        body.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
            f'height="{bottom - top:.1f}" fill="{PALETTE["soft"]}"/>'
        )
    for value in (-2, -1, 0, 1, 2):
        tx = x(value)
        body.append(
            f'<line x1="{tx:.1f}" y1="{top:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{PALETTE["ink"] if value == 0 else PALETTE["line"]}" '
            f'stroke-width="{0.9 if value == 0 else 0.6}"/>'
        )
        body.append(
            _text(
                tx,
                bottom + 11,
                f"{value:+d}" if value else "0",
                size=8.5,
                anchor="middle",
                fill=PALETTE["muted"],
            )
        )
    summary = []
    for row, dim in enumerate(results.dimensions):
        title = questionnaire.dimension(dim.dimension_id).title
        cy = top + row * row_h + row_h / 2
        body.append(_text(0, cy + 3.5, _wrap(title, 34, 1)[0], size=10))
        gap = dim.gap
        label = category_label(categories.get(dim.dimension_id), "")
        if gap is None:
            body.append(_text(centre + 4, cy + 3.5, _("not shown"), size=9, fill=PALETTE["muted"]))
            summary.append(_("%(dimension)s: not shown", dimension=title))
            continue
        left, right = sorted((centre, x(gap)))
        positive = gap > 0
        fill = PALETTE["accent"] if positive else "#ffffff"
        body.append(
            f'<rect x="{left:.1f}" y="{cy - 6:.1f}" width="{max(right - left, 1.0):.1f}" '
            f'height="12" fill="{fill}" stroke="{PALETTE["accent"]}" stroke-width="1"/>'
        )
        beyond = abs(gap) > limit
        if beyond:
            tip = x1 + 6 if positive else x0 - 6
            k = 1 if positive else -1
            body.append(
                f'<polygon points="{_points(tip, cy, tip - 6 * k, cy - 5, tip - 6 * k, cy + 5)}" '
                f'fill="{PALETTE["accent"]}"/>'
            )
        text = signed(gap)
        room = 10 if beyond else 4  # past the arrow
        tx = right + room if positive or gap == 0 else left - room
        body.append(
            _text(
                tx,
                cy + 3.5,
                text,
                size=9,
                anchor="start" if positive or gap == 0 else "end",
                bold=is_big(gap, results.scale_max),
            )
        )
        summary.append(f"{title}: {text}{', ' + label if label else ''}")
    description = _(
        "Gap between self and all raters by dimension (self minus all raters); shaded beyond "
        "±%(threshold)s. %(figures)s.",
        threshold=fmt(threshold),
        figures="; ".join(summary),
    )
    return _svg(width, bottom + 14, description, body, "chart gap-chart")
