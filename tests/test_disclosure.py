"""No combination of the figures a report shows may single out fewer than `threshold` people.

The production check (`feedback360.disclosure`) reasons over atoms and a search tree; the checker
here is a different, brute-force one: a row per figure actually shown, a column per cell
(respondent, statement), and for every set S of threshold − 1 respondents an exact Fraction rank
test of whether some combination of the rows is zero outside S's cells and not zero inside.
"""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from feedback360 import disclosure
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import cell_rows
from feedback360.analysis import platform_results
from tests import handmade

GROUP_IDS = ("peer", "report", "manager", "follower")
PLATFORM_IDS = ("linkedin", "bluesky", "x", "mastodon")
DIM = "talk"

SEARCH = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def questionnaire(n_items: int, n_groups: int = 4):
    items = tuple(f"t{k}" for k in range(n_items))
    return handmade.questionnaire(
        (handmade.dimension(DIM, items),), handmade.groups(*GROUP_IDS[:n_groups])
    )


# --- The brute-force checker ------------------------------------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    """Exact rank by Gaussian elimination over the rationals."""
    rows = [list(row) for row in rows if any(row)]
    rank = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / lead[column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], lead, strict=True)]
        rank += 1
    return rank


def _columns_rank(matrix: list[list[int]], columns: list[int]) -> int:
    """Rank of the matrix restricted to `columns`; equal columns are counted once."""
    distinct = {tuple(row[c] for row in matrix) for c in columns}
    return _rank([[Fraction(v) for v in column] for column in distinct])


def isolating_sets(figures, cells, threshold: int) -> list[frozenset[str]]:
    """Every set of threshold − 1 respondents (all, if fewer) some combination isolates.

    `figures`: (population, items) pairs, the population a set of respondents; `cells`: the
    (respondent, item) pairs a figure over a population and items holds when both match. By
    monotonicity (a combination isolating S also isolates any larger set), sets of exactly
    threshold − 1 people cover every smaller one.
    """
    cells = sorted(cells)
    matrix = [
        [1 if r in population and i in items else 0 for r, i in cells]
        for population, items in figures
    ]
    if not matrix:
        return []
    full = _columns_rank(matrix, list(range(len(cells))))
    people = sorted({r for r, _ in cells})
    found = []
    for chosen in itertools.combinations(people, min(threshold - 1, len(people))):
        outside = [c for c, (r, _) in enumerate(cells) if r not in chosen]
        if _columns_rank(matrix, outside) < full:
            found.append(frozenset(chosen))
    return found


def shown_figures(results, platforms, round_data, tolerance: float = 1e-9):
    """Every figure the outputs show on DIM, as (population, items), each checked against the data.

    `round_data`: respondent -> (group, platforms, {item: value}). Reported respondents are those
    whose group is in a reported unit. Checking each shown value against the mean of the cells
    the model says it pools ties the model to what the code really computes.
    """
    vis = results.visibility
    unit_of = {r: vis.unit_of(g) for r, (g, _, _) in round_data.items()}
    reported = {r for r, unit in unit_of.items() if unit is not None}
    items = results.items_of(DIM)
    figures = []

    def add(value, population, item_ids):
        if value is None:
            return
        ratings = [
            round_data[r][2][i]
            for r in population
            for i in item_ids
            if round_data[r][2].get(i) is not None
        ]
        assert ratings and abs(sum(ratings) / len(ratings) - value) < tolerance
        figures.append((frozenset(population), frozenset(item_ids)))

    for item in items:
        add(item.others_mean, reported, [item.item_id])
        if item.distribution_shown:  # a distribution pools the same cells as the mean
            assert sum(item.distribution) == item.others_n
        for unit in vis.units:
            members = {r for r in reported if unit_of[r] == unit.id}
            add(item.unit_means[unit.id], members, [item.item_id])
    pooled = [item.item_id for item in items if item.others_mean is not None]
    dimension = results.dimension(DIM)
    add(dimension.others_mean, reported, pooled)
    for unit in vis.units:
        members = {r for r in reported if unit_of[r] == unit.id}
        unit_items = [i.item_id for i in items if i.unit_means[unit.id] is not None]
        add(dimension.unit_means[unit.id], members, unit_items)
    for platform in platforms:
        named = {r for r in reported if platform.platform_id in round_data[r][1]}
        assert platform.respondents == len(named)
        add(platform.dimension_means.get(DIM), named, pooled)
    return figures, reported


def leaks(results, platforms, round_data, threshold: int) -> list[frozenset[str]]:
    """Isolated sets over ratings, then over "gave a rating" (the counts behind the figures)."""
    figures, reported = shown_figures(results, platforms, round_data)
    items = [item.item_id for item in results.items_of(DIM)]
    rated = {(r, i) for r in reported for i, v in round_data[r][2].items() if v is not None}
    answered = {(r, i) for r in reported for i in round_data[r][2]}
    count_figures = [(frozenset(reported), frozenset([i])) for i in items] + figures
    return isolating_sets(figures, rated, threshold) + isolating_sets(
        count_figures, answered, threshold
    )


# --- Running the real code ----------------------------------------------------------------------


def run(round_data, q, threshold: int, platform_ids=PLATFORM_IDS):
    rows = [
        RatingRow(r, group, item, value)
        for r, (group, _, answers) in round_data.items()
        for item, value in answers.items()
    ]
    counts = Counter(group for group, _, _ in round_data.values())
    results = aggregate(q, rows, {}, counts, threshold)
    ticks = {r: frozenset(platforms) for r, (_, platforms, _) in round_data.items()}
    platforms = platform_results(ticks, cell_rows(rows), results, q, list(platform_ids), [DIM])
    return results, platforms


@st.composite
def rounds(draw):
    n_items = draw(st.integers(2, 3))
    n_groups = draw(st.integers(2, 4))
    n_platforms = draw(st.integers(2, 4))
    threshold = draw(st.integers(3, 4))
    n = draw(st.integers(3, 12))
    rating = st.one_of(st.none(), st.integers(1, 5))
    round_data = {
        f"r{k:02}": (
            draw(st.sampled_from(GROUP_IDS[:n_groups])),
            draw(st.frozensets(st.sampled_from(PLATFORM_IDS[:n_platforms]))),
            {f"t{i}": draw(rating) for i in range(n_items)},
        )
        for k in range(n)
    }
    return round_data, questionnaire(n_items, n_groups), threshold, PLATFORM_IDS[:n_platforms]


# --- The example -----------------------------------------------------------------------


def test_linkedin_minus_bluesky_is_caught():
    """Three tick LinkedIn and Bluesky, one only LinkedIn, three neither: 4L − 3B is that one."""
    q = questionnaire(1, 1)
    ticks = [{"linkedin", "bluesky"}] * 3 + [{"linkedin"}] + [set()] * 3
    ratings = [4, 5, 4, 1, 3, 3, 2]
    round_data = {
        f"r{k}": ("peer", frozenset(t), {"t0": v})
        for k, (t, v) in enumerate(zip(ticks, ratings, strict=True))
    }
    results, platforms = run(round_data, q, 3, ("linkedin", "bluesky"))
    linkedin, bluesky = (p.dimension_means[DIM] for p in platforms)
    # Each passes the count rule on its own: named by 4 and 3, not named by 3 and 4.
    assert [p.respondents for p in platforms] == [4, 3]
    recovered = 4 * linkedin - 3 * bluesky if None not in (linkedin, bluesky) else None
    assert recovered is None, f"4 x LinkedIn − 3 x Bluesky = {recovered}: the LinkedIn-only answer"
    assert bluesky is None and linkedin is not None  # the fewer-named one goes
    assert "combined" in platforms[1].withheld
    assert leaks(results, platforms, round_data, 3) == []


def test_brute_force_checker_finds_the_example():
    """The checker that guards the search finds 4L − 3B when both are shown."""
    people = [f"r{k}" for k in range(7)]
    cells = {(r, "t0") for r in people}
    everyone, linkedin, bluesky = frozenset(people), frozenset(people[:4]), frozenset(people[:3])
    items = frozenset(["t0"])
    figures = [(everyone, items), (linkedin, items), (bluesky, items)]
    assert isolating_sets(figures, cells, 3) == [frozenset({"r3", r}) for r in people if r != "r3"]
    assert isolating_sets(figures[:2], cells, 3) == []


def test_three_overlapping_platforms_need_more_than_pairs():
    """A + B − C isolates one person although no pair of platforms differs by fewer than 3."""
    q = questionnaire(1, 1)
    # LinkedIn {r0..r4} + Bluesky {r3, r5, r6, r7} − X {r0, r1, r2, r5, r6, r7} = 2 r3 + r4.
    ticks = {
        "r0": {"linkedin", "x"},
        "r1": {"linkedin", "x"},
        "r2": {"linkedin", "x"},
        "r3": {"linkedin", "bluesky"},
        "r4": {"linkedin"},
        "r5": {"bluesky", "x"},
        "r6": {"bluesky", "x"},
        "r7": {"bluesky", "x"},
        "r8": set(),
        "r9": set(),
        "r10": set(),
    }
    round_data = {
        r: ("peer", frozenset(t), {"t0": 1 + k % 5}) for k, (r, t) in enumerate(ticks.items())
    }
    results, platforms = run(round_data, q, 3, ("linkedin", "bluesky", "x"))
    old_rule = [p for p in platforms if p.respondents >= 3 and len(ticks) - p.respondents >= 3]
    assert len(old_rule) == 3  # today's count rule would show all three
    all_shown = [
        (frozenset(r for r, t in ticks.items() if p.platform_id in t), frozenset(["t0"]))
        for p in old_rule
    ]
    cells = {(r, "t0") for r in ticks}
    everyone = [(frozenset(ticks), frozenset(["t0"]))]
    assert isolating_sets(everyone + all_shown, cells, 3)  # the three together leak
    for pair in itertools.combinations(all_shown, 2):
        assert not isolating_sets(everyone + list(pair), cells, 3)  # no pair does
    assert not [p for p in platforms if not p.shown and p.withheld == ""]
    assert leaks(results, platforms, round_data, 3) == []
    assert sum(p.shown for p in platforms) == 2


# --- The search ---------------------------------------------------------------------------------


@SEARCH
@given(rounds())
def test_no_combination_of_shown_figures_isolates_anyone(case):
    round_data, q, threshold, platform_ids = case
    results, platforms = run(round_data, q, threshold, platform_ids)
    event(f"{sum(p.shown for p in platforms)} platforms shown")
    event(f"{sum('combined' in p.withheld for p in platforms)} withheld as combinable")
    assert leaks(results, platforms, round_data, threshold) == []


@SEARCH
@given(rounds())
def test_figures_without_platforms_never_isolate_anyone(case):
    round_data, q, threshold, _ = case
    results, platforms = run(round_data, q, threshold, ())
    assert platforms == []
    assert leaks(results, [], round_data, threshold) == []


@SEARCH
@given(rounds())
def test_production_check_agrees_with_brute_force(case):
    """On the platforms today's count rule would show, the two checkers give the same verdict."""
    round_data, q, threshold, platform_ids = case
    results, _ = run(round_data, q, threshold, ())
    vis = results.visibility
    reported = {r: vis.unit_of(g) for r, (g, _, _) in round_data.items() if vis.unit_of(g)}
    pooled = [i.item_id for i in results.items_of(DIM) if i.others_mean is not None]
    candidates = []
    for platform in platform_ids:
        named = {r for r in reported if platform in round_data[r][1]}
        pooled_people = {r for r in named if any(round_data[r][2][i] is not None for i in pooled)}
        rest = len(reported) - len(named)
        if len(named) >= threshold and rest in {0, *range(threshold, 99)}:
            if len(pooled_people) >= threshold:
                candidates.append(platform)
    respondents = [
        disclosure.Respondent(unit, round_data[r][1], round_data[r][2])
        for r, unit in sorted(reported.items())
    ]
    production = disclosure.dimension_isolates(results, DIM, respondents, candidates)
    figures, _ = shown_figures(results, [], round_data)
    population = {p: frozenset(r for r in reported if p in round_data[r][1]) for p in candidates}
    figures += [(population[p], frozenset(pooled)) for p in candidates]
    rated = {(r, i) for r in reported for i, v in round_data[r][2].items() if v is not None}
    answered = {(r, i) for r in reported for i in round_data[r][2]}
    items = [i.item_id for i in results.items_of(DIM)]
    count_figures = [(frozenset(reported), frozenset([i])) for i in items] + figures
    brute = isolating_sets(figures, rated, threshold) + isolating_sets(
        count_figures, answered, threshold
    )
    event("count rule alone leaks" if brute else "count rule alone safe")
    assert (production is None) == (not brute)
    if production is not None:
        names = sorted(reported)
        found = frozenset(names[k] for k in production)
        assert 0 < len(found) < threshold
        assert any(found <= s for s in brute)
