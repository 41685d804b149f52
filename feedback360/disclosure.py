"""Whether some combination of the figures a report shows singles out fewer than `threshold` people.

`aggregation` withholds figures one at a time (a mean needs `threshold` people; no withheld cell
may be worked out by subtraction). Platform figures cut across groups and across each other:
people who tick LinkedIn and Bluesky, and one who ticks only LinkedIn, make two cells that each
pass the threshold, yet 4 x mean(LinkedIn) − 3 x mean(Bluesky) is that one person's ratings. This
module decides, exactly, whether any combination of every figure shown can do that, and which
platforms to withhold so that none can. Pure module: no Flask or SQLAlchemy import.

The model
---------
A CELL is one respondent's answer to one statement. A figure shown for a set of cells is, at the
very least, the sum of their values: assume the reader knows how many ratings each figure pools
(they often can), so a mean is as good as a sum. A combination Σ λ_f × figure_f is again a sum
over cells, cell x weighted by c(x) = Σ λ_f over the figures that hold x. It ISOLATES a set S of
respondents when it is not zero and c(x) = 0 on every cell of anyone outside S: then it is a
function of S's answers alone. The report must let no S of 1 to `threshold` − 1 people be
isolated. Figures on one dimension hold cells of that dimension's statements only (nothing in the
report pools two dimensions), so each dimension is checked on its own.

Cells held by exactly the same figures form an ATOM; every combination weights an atom's cells
alike, so a combination is y = M λ over atoms (M: atoms × figures, 0/1). For a set T of atoms,
some nonzero combination lives inside T exactly when rank(M without T's rows) < rank(M), and
that condition only grows with T. An atom with `threshold` or more respondents can never be
inside an isolated set, so the rows of the small atoms are first reduced modulo the span of the
large ones; a small atom whose residual is zero never matters. If no residual is left, nothing
can be isolated (the usual case for a large round). Otherwise, with R the span of the residuals,
T isolates exactly when the residuals outside T do not span R, that is when T meets every basis
of R. The search keeps a set S of respondents (T = the small atoms lying wholly within S),
finds a basis of R among the residuals outside T and, when there is one, branches on adding each
basis atom's respondents to S; it stops at `threshold` − 1 respondents. This is complete: an
isolated set containing S must contain one atom of every basis found. All arithmetic is on
integers (fraction-free elimination), so ranks are exact.

Which figures, per dimension (`dimension_figures`):
- per statement: all raters' mean, and each group's mean where shown;
- the dimension's mean for all raters and for each group, where shown (the cells they pool);
- each platform's dimension mean, where shown.
The distribution of a statement is a sum over the same cells as its all-raters mean (a count per
answer is the sum of "gave this answer" over those cells), and it is shown only for many raters:
a combination that mixes it in must cancel it on every cell outside S, which forces it to be a
multiple of the all-raters mean there, so it adds no new set to single anyone out.

Counts are answers too ("not observed" is an answer, and so is a tick). They are checked as a
second family over the same atoms, with "gave a rating" (not "not observed") as the value: the
ratings per statement (always shown), and, conservatively, the number of ratings behind every
mean shown. A combination of counts and means must cancel each separately (they weigh the answers
1..n differently), so checking the families one by one is enough. Respondents per group are
shown, but groups are disjoint and each has at least `threshold` people. "Named by" per platform
is a count over all reported respondents, the only figure over that tick, so no difference of
two such counts exists.

The release rule (`release_platforms`): start from the platforms that pass the count rule;
while some dimension's figures isolate a set S, withhold the fewest-named platform without which
S is no longer isolated (the fewest named overall if no single one frees S), and check again.
Without any platform the figures never isolate anyone (`aggregation`'s rules ensure it; the tests
search for a counterexample), so the loop always ends with figures that pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from .aggregation import RoundResults

# Nodes of the search before it gives up; giving up counts as "may isolate", so the release rule
# withholds a platform rather than show figures it could not clear. Far above what real rounds
# need (a few dozen nodes).
SEARCH_BUDGET = 20_000


class _Undecided(Exception):
    pass


def _reduce(row: list[int], basis: Sequence[tuple[int, list[int]]]) -> list[int]:
    """`row` minus its part in the span of `basis` (scaled: integers only).

    Each basis row is zero at the pivots of the rows before it, so one pass in order clears
    every pivot.
    """
    for pivot, base in basis:
        factor = row[pivot]
        if factor:
            scale = base[pivot]
            row = [scale * a - factor * b for a, b in zip(row, base, strict=True)]
    return row


def _add(row: list[int], basis: list[tuple[int, list[int]]]) -> bool:
    """Add `row` to the echelon `basis` if it is independent of it; say whether it was."""
    row = _reduce(row, basis)
    pivot = next((index for index, value in enumerate(row) if value), None)
    if pivot is None:
        return False
    divisor = math.gcd(*row)
    basis.append((pivot, [value // divisor for value in row]))
    return True


@dataclass(frozen=True)
class _Atom:
    respondents: frozenset[str]
    row: list[int]


def isolated_respondents(
    cells: Mapping[Hashable, Collection[str]],
    figures: Iterable[Collection[Hashable]],
    threshold: int,
    budget: int = SEARCH_BUDGET,
) -> frozenset[str] | None:
    """A set of 1 to `threshold` − 1 respondents some combination of `figures` isolates, or None.

    `cells` maps a key to the respondents with a cell under it (keys are the smallest units the
    figures are made of: each figure is a set of keys). When the search runs out of `budget`,
    the answer is every respondent of the atoms that might matter: "cannot rule it out".
    """
    large: list[tuple[int, list[int]]] = []
    small: list[_Atom] = []
    for atom in _atoms(cells, figures):
        if len(atom.respondents) >= threshold:
            _add(atom.row, large)
        else:
            small.append(atom)
    residuals = []
    for atom in small:
        residual = _reduce(atom.row, large)
        if any(residual):
            residuals.append(_Atom(atom.respondents, residual))
    if not residuals:
        return None
    # Atoms with more respondents first: branching on them fills S soonest.
    residuals.sort(key=lambda atom: -len(atom.respondents))
    rank = _rank([atom.row for atom in residuals])
    seen: set[frozenset[str]] = set()
    nodes = 0

    def search(chosen: frozenset[str]) -> frozenset[str] | None:
        nonlocal nodes
        nodes += 1
        if nodes > budget:
            raise _Undecided
        basis: list[tuple[int, list[int]]] = []
        basis_atoms = []
        for atom in residuals:
            if atom.respondents <= chosen:
                continue
            if _add(atom.row, basis):
                basis_atoms.append(atom)
                if len(basis) == rank:
                    break
        if len(basis) < rank:
            return chosen
        for atom in basis_atoms:
            grown = chosen | atom.respondents
            if len(grown) < threshold and grown not in seen:
                seen.add(grown)
                found = search(grown)
                if found is not None:
                    return found
        return None

    try:
        return search(frozenset())
    except _Undecided:
        return frozenset().union(*(atom.respondents for atom in residuals))


def _atoms(
    cells: Mapping[Hashable, Collection[str]], figures: Iterable[Collection[Hashable]]
) -> list[_Atom]:
    """Cells held by the same figures, merged: each with its respondents and 0/1 row."""
    figures = [frozenset(figure) for figure in figures]
    held_by: dict[Hashable, list[int]] = defaultdict(list)
    for index, figure in enumerate(figures):
        for key in figure:
            held_by[key].append(index)
    by_signature: dict[tuple[int, ...], set[str]] = defaultdict(set)
    for key, respondents in cells.items():
        signature = tuple(held_by.get(key, ()))
        if signature and respondents:
            by_signature[signature].update(respondents)
    atoms = []
    for signature, respondents in by_signature.items():
        row = [0] * len(figures)
        for index in signature:
            row[index] = 1
        atoms.append(_Atom(frozenset(respondents), row))
    return atoms


def isolates(
    cells: Mapping[Hashable, Collection[str]],
    figures: Iterable[Collection[Hashable]],
    chosen: Collection[str],
) -> bool:
    """Whether some nonzero combination of `figures` weighs only cells of `chosen` people."""
    atoms = _atoms(cells, figures)
    outside = [atom.row for atom in atoms if not atom.respondents <= frozenset(chosen)]
    return _rank(outside) < _rank(atom.row for atom in atoms)


def _rank(rows: Iterable[list[int]]) -> int:
    basis: list[tuple[int, list[int]]] = []
    for row in rows:
        _add(row, basis)
    return len(basis)


# --- The report's figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    """What the check needs of one reported respondent: never shown, never stored."""

    unit: str  # the reported unit their group counts in
    platforms: frozenset[str]  # the platforms they named
    answers: Mapping[str, int | None]  # item id -> rating, None for "not observed"


# A key: (item id, unit id, the released platforms the respondent named).
Key = tuple[str, str, frozenset[str]]


def dimension_figures(
    results: RoundResults,
    dimension_id: str,
    respondents: Iterable[Respondent],
    platform_figures: Collection[str],
) -> list[tuple[dict[Key, set[str]], list[set[Key]]]]:
    """The two families of one dimension (means, then counts): cells by key, and the figures.

    `platform_figures` are the platforms whose mean on this dimension is shown; respondents are
    identified by their position in `respondents`.
    """
    items = results.items_of(dimension_id)
    dimension = results.dimension(dimension_id)
    units = [unit.id for unit in results.visibility.units]
    pooled = {item.item_id for item in items if item.others_mean is not None}
    rated: dict[Key, set[str]] = defaultdict(set)
    answered: dict[Key, set[str]] = defaultdict(set)
    for index, respondent in enumerate(respondents):
        named = respondent.platforms & frozenset(platform_figures)
        for item in items:
            if item.item_id not in respondent.answers:
                continue
            key = (item.item_id, respondent.unit, named)
            answered[key].add(str(index))
            if respondent.answers[item.item_id] is not None:
                rated[key].add(str(index))
    keys = set(answered)

    def where(test) -> set[Key]:
        return {key for key in keys if test(*key)}

    means: list[set[Key]] = []
    for item in items:
        if item.others_mean is not None:
            means.append(where(lambda i, u, p, item=item.item_id: i == item))
        for unit in units:
            if item.unit_means.get(unit) is not None:
                means.append(
                    where(lambda i, u, p, item=item.item_id, unit=unit: i == item and u == unit)
                )
    if dimension.others_mean is not None:
        means.append(where(lambda i, u, p: i in pooled))
    for unit in units:
        if dimension.unit_means.get(unit) is not None:
            unit_items = {item.item_id for item in items if item.unit_means.get(unit) is not None}
            means.append(where(lambda i, u, p, unit=unit, pool=unit_items: u == unit and i in pool))
    for platform in platform_figures:
        means.append(where(lambda i, u, p, platform=platform: i in pooled and platform in p))
    counts = [where(lambda i, u, p, item=item.item_id: i == item) for item in items] + means
    return [(dict(rated), means), (dict(answered), counts)]


def dimension_isolates(
    results: RoundResults,
    dimension_id: str,
    respondents: Sequence[Respondent],
    platform_figures: Collection[str],
) -> frozenset[int] | None:
    """Positions in `respondents` of people the dimension's figures isolate, or None."""
    for cells, figures in dimension_figures(results, dimension_id, respondents, platform_figures):
        found = isolated_respondents(cells, figures, results.visibility.threshold)
        if found is not None:
            return frozenset(int(r) for r in found)
    return None


def release_platforms(
    results: RoundResults,
    respondents: Sequence[Respondent],
    candidates: Sequence[str],
    figures_by_platform: Mapping[str, Collection[str]],
    named: Mapping[str, int],
) -> tuple[str, ...]:
    """The candidates whose figures may be shown: none of the dimensions can isolate anyone.

    `figures_by_platform`: the dimensions each candidate would show a mean on; `named`: how many
    reported respondents named each. While a dimension isolates a set S, withholds the
    fewest-named platform (on a tie the later one) without which S is no longer isolated, or
    the fewest-named one if no single platform frees S, until every dimension passes.
    """
    released = list(candidates)
    order = list(candidates)
    dimensions = sorted({d for p in candidates for d in figures_by_platform.get(p, ())})

    def on(dimension_id: str, platforms: Iterable[str]) -> list[str]:
        return [p for p in platforms if dimension_id in figures_by_platform.get(p, ())]

    while released:
        found = None
        for dimension_id in dimensions:
            if on(dimension_id, released):
                found = dimension_isolates(
                    results, dimension_id, respondents, on(dimension_id, released)
                )
                if found is not None:
                    break
        if found is None:
            break
        # Withhold the fewest-named platform whose absence frees this set, if one does.
        by_fewest = sorted(released, key=lambda p: (named[p], -order.index(p)))
        chosen = {str(r) for r in found}
        drop = next(
            (
                platform
                for platform in by_fewest
                if not any(
                    isolates(cells, figures, chosen)
                    for cells, figures in dimension_figures(
                        results,
                        dimension_id,
                        respondents,
                        on(dimension_id, (p for p in released if p != platform)),
                    )
                )
            ),
            by_fewest[0],
        )
        released.remove(drop)
    return tuple(released)
