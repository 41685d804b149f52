"""The report's grouped rating query gives exactly what grouping one row per rating gives."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from sqlalchemy import insert

from feedback360 import questionnaire
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import cell_rows
from feedback360.extensions import db
from feedback360.models import Answer
from feedback360.models import Response
from feedback360.models import SelfRating
from feedback360.reports import services
from feedback360.rounds import services as round_services

Q = questionnaire.load()


def _random_ratings(rng: random.Random) -> list[RatingRow]:
    """Small and lopsided groups, skipped items and "not observed", so figures get withheld."""
    weights = [rng.choice([0, 1, 2, 6]) for _ in Q.groups]
    weights[0] = weights[0] or 1
    rows = []
    for _ in range(rng.randint(0, 24)):
        response_id = str(uuid.uuid4())
        group = rng.choices(Q.groups, weights)[0].id
        rows += [
            RatingRow(response_id, group, item.id, rng.choice([None, 1, 2, 3, 4, 5, 5]))
            for item in Q.items
            if rng.random() < 0.85
        ]
    return rows


def _store(round_id: int, ratings: list[RatingRow]) -> None:
    groups = {row.response_id: row.group for row in ratings}
    if groups:
        db.session.execute(
            insert(Response),
            [{"id": rid, "round_id": round_id, "rater_group": g} for rid, g in groups.items()],
        )
        db.session.execute(
            insert(Answer),
            [
                {"response_id": r.response_id, "item_id": r.item_id, "value": r.value}
                for r in ratings
            ],
        )
    db.session.commit()


def _as_sets(cells) -> Counter:
    return Counter((c.group, c.item_id, c.value, frozenset(c.response_ids)) for c in cells)


@pytest.mark.parametrize("seed", range(10))
def test_grouped_query_matches_the_rows(draft_round, seed):
    rng = random.Random(seed)
    ratings = _random_ratings(rng)
    _store(draft_round.id, ratings)
    other_round = round_services.create_round(
        draft_round.leader, title="Other", closes_on=None, anonymity_threshold=3
    )
    _store(other_round.id, _random_ratings(random.Random(seed + 100)))  # must not leak in
    self_ratings = {item.id: rng.choice([None, 2, 4]) for item in Q.items}
    db.session.add_all(
        SelfRating(round_id=draft_round.id, item_id=item_id, value=value)
        for item_id, value in self_ratings.items()
    )
    draft_round.anonymity_threshold = rng.choice([3, 3, 4])
    db.session.commit()

    assert _as_sets(services._cell_rows(draft_round.id)) == _as_sets(cell_rows(ratings))
    results, _ = services._results(draft_round, Q)
    group_counts = Counter({r.response_id: r.group for r in ratings}.values())
    assert results == aggregate(
        Q, ratings, self_ratings, group_counts, draft_round.anonymity_threshold
    )
