"""A demo round with synthetic, varied responses, built through the same services as real ones.

The wording lives in `bank.toml`; this module only decides who answers what, reproducibly.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .. import questionnaire
from ..clock import today_utc
from ..extensions import db
from ..models import CoachShare
from ..models import OutboxMessage
from ..models import Round
from ..models import SelfRating
from ..models import User
from ..rounds.services import closing as round_closing
from ..rounds.services import invitations as round_invitations
from ..survey import services as survey_services
from . import followup

BANK_FILE = Path(__file__).parent / "bank.toml"
LEADER_EMAIL = "leader@example.com"
LEADER_PASSWORD = "demo-leader-2026"
COACH_EMAIL = "coach@example.com"
COACH_PASSWORD = "demo-coach-2026"

# Share of respondents per group; "other" stays below the threshold in the 25-person demo.
GROUP_SHARES = (("follower", 0.42), ("colleague", 0.25), ("staff", 0.25), ("other", 0.08))
GROUP_OFFSET = {"follower": 0.1, "colleague": -0.2, "staff": 0.0, "other": 0.2}


def _user(email: str, name: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, password_hash=generate_password_hash(password))
        db.session.add(user)
    return user


def _group_sizes(respondents: int) -> dict[str, int]:
    sizes = {g: int(respondents * share) for g, share in GROUP_SHARES}
    sizes["follower"] += respondents - sum(sizes.values())
    return sizes


def _rating(mean: float, rng: random.Random) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.8))))


def seed_demo(respondents: int = 25, seed: int = 2026) -> Round:
    """Create (or reuse) the demo leader and coach, and add two closed, answered rounds.

    The earlier round, six months back, gives the report its trend; both are shared with the
    demo coach, and the current one is returned. The current one shows the loop after a round
    (`followup`): her forecast, her plan, her word back and its closed follow-up pulse.
    """
    bank = tomllib.loads(BANK_FILE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    leader = _user(LEADER_EMAIL, bank["leader"]["name"], LEADER_PASSWORD)
    _user(COACH_EMAIL, "Jordan Lee", COACH_PASSWORD)
    earlier = bank["earlier"]
    offsets = {dim: earlier["others_offset"] for dim in bank["profile"]}
    offsets["progress"] = earlier["progress_offset"]
    today = today_utc()
    first = _seed_round(
        leader,
        earlier["title"],
        max(1, round(respondents * earlier["share"])),
        bank,
        rng,
        offsets,
        opened_on=today - timedelta(days=203),
        closed_on=today - timedelta(days=182),
    )
    # The follow-up opened `weeks_after` the close and closes today, after two weeks.
    pulse_opened = today - timedelta(days=14)
    closed_on = pulse_opened - timedelta(weeks=bank["pulse"]["weeks_after"])
    current = _seed_round(
        leader,
        bank["leader"]["title"],
        respondents,
        bank,
        rng,
        {},
        opened_on=closed_on - timedelta(days=21),
        closed_on=closed_on,
        while_open=lambda a_round: followup.record_forecast(a_round, leader, bank),
    )
    # Both rounds: a coach sees the trend only from an earlier round shared with them too.
    db.session.add_all(CoachShare(round=r, coach_email=COACH_EMAIL) for r in (first, current))
    db.session.commit()
    followup.plan_and_word_back(current, leader, bank, sent_on=closed_on + timedelta(days=3))
    pulse = followup.seed_pulse(current, leader, bank, rng, pulse_opened, today)
    # Synthetic people get no email: drop what inviting, sharing and the word back queued.
    round_ids = [first.id, current.id, pulse.id]
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.round_id.in_(round_ids)))
    db.session.commit()
    return current


def _season(day: date) -> str:
    """The (northern) season a day falls in: the demo's dates count back from today."""
    return ("Winter", "Spring", "Summer", "Autumn")[day.month % 12 // 3]


def _seed_round(
    leader: User,
    title: str,
    respondents: int,
    bank: dict,
    rng: random.Random,
    offsets: dict[str, float],
    opened_on: date,
    closed_on: date,
    while_open: Callable[[Round], None] | None = None,
) -> Round:
    """One round answered by synthetic respondents, closed through the real service;
    `while_open` runs before the first answer (the leader's forecast)."""
    q = questionnaire.load()
    leader_info = bank["leader"]
    a_round = Round(
        leader=leader,
        title=title.format(season=_season(opened_on), year=opened_on.year),
        why=leader_info["why"],
        success_measures=leader_info["success"],
        platforms=list(leader_info["platforms"]),
        questionnaire_version=q.version,
        anonymity_threshold=3,
        status="open",
        opened_on=opened_on,
        closes_on=closed_on,
    )
    db.session.add(a_round)
    db.session.flush()
    profile = bank["profile"]
    for item in q.items:
        db.session.add(
            SelfRating(
                round_id=a_round.id,
                item_id=item.id,
                value=_rating(profile[item.dimension_id]["self"], rng),
            )
        )
    db.session.commit()
    if while_open is not None:
        while_open(a_round)

    texts = _TextDeck(bank, rng)
    people = [
        (f"person{n}.{a_round.id}@example.org", group)
        for n, group in enumerate(
            (g for g, size in _group_sizes(respondents).items() for _ in range(size)), start=1
        )
    ]
    # One paste, as a leader would: a group invited one person at a time while open would be
    # counted only together with the other small groups, on the page and in the report.
    created, _ = round_invitations.add_invitations(
        a_round, "\n".join(f"{email}, {group}" for email, group in people)
    )
    for invitee, token in created:
        link = survey_services.resolve(token)
        ratings, comments = _answers(q, bank, texts, invitee.group, rng, offsets)
        platforms = [p for p, chance in bank["platforms"].items() if rng.random() < chance]
        survey_services.submit(link, ratings, comments, platforms)
    round_closing.close_round(a_round)
    a_round.closed_on = closed_on
    db.session.commit()
    return a_round


class _TextDeck:
    """Hands out each of the bank's texts at most once per round, like dealing cards.

    Real people do not write the same comment twice, so once a list runs out, later respondents
    leave that box empty.
    """

    def __init__(self, bank: dict, rng: random.Random) -> None:
        self.decks = {
            key: rng.sample(texts, len(texts))
            for key, texts in {**bank["comments"], **bank["open"]}.items()
        }

    def draw(self, key: str) -> str | None:
        deck = self.decks[key]
        return deck.pop() if deck else None


def _answers(q, bank, texts: _TextDeck, group: str, rng: random.Random, offsets):
    bias = rng.gauss(GROUP_OFFSET[group], 0.4)
    ratings: dict[str, int | None] = {}
    for item in q.items:
        if rng.random() < 0.08:
            ratings[item.id] = None
        elif item.id in bank["split"]:
            ratings[item.id] = rng.choice((1, 2, 2, 4, 5, 5))
        else:
            ratings[item.id] = _rating(
                bank["profile"][item.dimension_id]["others"]
                + offsets.get(item.dimension_id, 0.0)
                + bias,
                rng,
            )
    comments = {}
    for dim in q.dimensions:
        if rng.random() < 0.45:
            comments[dim.id] = texts.draw(dim.id)
    for question in q.open_questions:
        if rng.random() < 0.75:
            comments[question.id] = texts.draw(question.id)
    return ratings, {key: text for key, text in comments.items() if text}
