"""Minutes to finish the survey, per rater group, by the model the issue states.

Usage: .venv/bin/python bench/survey_time.py [--versions 2026.2 2026.3]

The model (`feedback360.survey_time`): every word a respondent must read at 238 words a minute,
3 s per required choice, 45 s per open question. For each questionnaire version (by default the
current one and the one before it, so before and after are in one run) a round on that version
is seeded in a throw-away SQLite database with three invitations per group and an open link per
group, and the real pages are rendered through the app's test client: the survey (step 1) and,
where the app has one, the review page it leads to (step 2) for complete answers without
comments. From each page's HTML:

- words: the visible text inside <main>, counted by `survey_time.count_words`. Not counted:
  what no one sees (<script>, <style>, <template>, hidden inputs, elements with `hidden` or
  the `visually-hidden` class), and the inside of a closed <details> other than its <summary>,
  unless it holds a required control (then the respondent must open it). A control's label
  that repeats one met before is recognised, not read again: a required choice with the very
  same options as an earlier one (the rating scale on every item) costs its 3 s, the time to
  pick among options already known, without its labels; a <summary> with the same text as an
  earlier one ("Add an example" under each dimension) costs nothing. "all_visible_words" counts
  every visible word, repeats included, for comparison.
- choices: required radio groups, checkboxes and selects (by name).
- open questions: visible text boxes of the questionnaire's open questions.

Per group, for a personal link and for an open link (which adds a tip about cookies): minutes,
words (step 1 and step 2 apart as well), choices and open questions. Target: at most 5.0 minutes
for every group on the current version.

The follow-up pulse (issue 18) is measured the same way, under "pulse": a round on the current
version is answered, closed and given a plan of three dimensions (the most a plan holds, so the
longest pulse: two statements each and the change question), and its pulse's pages are read
per group and link. Target: under 2.0 minutes. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import SECRET_KEY  # noqa: E402 (bench/ is on the path)

from feedback360.survey_time import Estimate  # noqa: E402
from feedback360.survey_time import count_words  # noqa: E402

TARGET_MINUTES = 5.0
PULSE_TARGET_MINUTES = 2.0
VOID = {
    "area",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
UNSEEN = {"head", "script", "style", "template", "title", "noscript"}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Node or str
    parent: Node | None = None

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def text(self) -> str:
        return " ".join(
            child if isinstance(child, str) else child.text() for child in self.children
        )


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.open = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.open)
        self.open.children.append(node)
        if tag not in VOID:
            self.open = node

    def handle_startendtag(self, tag, attrs):
        self.open.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.open))

    def handle_endtag(self, tag):
        node = self.open
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.open = node.parent

    def handle_data(self, data):
        self.open.children.append(data)


@dataclass(frozen=True)
class PageText:
    """What a respondent must read and do on one page."""

    words: int
    choices: int
    open_questions: int
    text: str  # the words counted, for a human to check
    all_visible_words: int = 0  # repeated labels included


def _unseen(node: Node) -> bool:
    return (
        node.tag in UNSEEN
        or "hidden" in node.attrs
        or "visually-hidden" in node.attrs.get("class", "").split()
        or (node.tag == "input" and node.attrs.get("type") == "hidden")
    )


def _seen_text(node: Node) -> str:
    return " ".join(
        child if isinstance(child, str) else _seen_text(child)
        for child in node.children
        if isinstance(child, str) or not _unseen(child)
    )


def _required_control(node: Node) -> bool:
    return node.tag in {"input", "select", "textarea"} and "required" in node.attrs


def page_text(html: str, open_question_names=()) -> PageText:
    """Count a page by the rules in the module docstring. `open_question_names`: the form
    names of the text boxes that are open questions."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    main = next((n for n in builder.root.walk() if n.tag == "main"), builder.root)
    inputs = {n.attrs["id"]: n for n in main.walk() if n.tag == "input" and "id" in n.attrs}
    words: list[str] = []
    options: dict[str, list[str]] = {}  # radio group name: its option labels, in order
    choices: set[str] = set()
    open_questions: set[str] = set()
    summaries: set[str] = set()
    repeated: list[str] = []  # labels recognised rather than read

    def radio_of(label: Node) -> Node | None:
        target = inputs.get(label.attrs.get("for", ""))
        inside = [n for n in label.walk() if n.tag == "input"]
        found = target if target is not None else (inside[0] if inside else None)
        return found if found is not None and found.attrs.get("type") == "radio" else None

    def visit(node: Node) -> None:
        if _unseen(node):
            return
        if node.tag == "details" and "open" not in node.attrs:
            if not any(_required_control(n) for n in node.walk()):
                for child in node.children:
                    if isinstance(child, Node) and child.tag == "summary":
                        visit(child)
                return
        if _required_control(node) and node.tag != "textarea":
            choices.add(node.attrs.get("name", ""))
        if node.tag == "textarea" and node.attrs.get("name") in open_question_names:
            open_questions.add(node.attrs["name"])
        if node.tag == "input" and node.attrs.get("type") in {"submit", "button"}:
            words.append(node.attrs.get("value", ""))
        if node.tag == "summary":
            label = " ".join(_seen_text(node).split())
            if label in summaries:
                repeated.append(label)
                return
            summaries.add(label)
        if node.tag == "label":
            radio = radio_of(node)
            if radio is not None and "required" in radio.attrs:
                choices.add(radio.attrs.get("name", ""))
                options.setdefault(radio.attrs.get("name", ""), []).append(_seen_text(node))
                return
        for child in node.children:
            if isinstance(child, str):
                words.append(child)
            else:
                visit(child)

    visit(main)
    seen_option_sets: set[tuple[str, ...]] = set()
    for labels in options.values():
        key = tuple(" ".join(label.split()) for label in labels)
        if key not in seen_option_sets:
            seen_option_sets.add(key)
            words.extend(labels)
        else:
            repeated.extend(labels)
    text = " ".join(" ".join(words).split())
    all_words = count_words(text) + count_words(" ".join(repeated))
    return PageText(count_words(text), len(choices), len(open_questions), text, all_words)


def seed_round(app, version: str) -> dict[str, dict[str, str]]:
    """A round on `version`, open, with three invitations and an open link per group:
    {group: {"invitation": token, "open_link": token}}."""
    from feedback360 import questionnaire
    from feedback360.extensions import db
    from feedback360.models import User
    from feedback360.rounds import services

    q = questionnaire.load(version)
    with app.app_context():
        db.create_all()
        leader = User(email=f"{version}@example.com", name="Robin Example", password_hash="!")
        db.session.add(leader)
        db.session.commit()
        a_round = services.create_round(
            leader, title=version, platforms=["LinkedIn"], closes_on=None, anonymity_threshold=3
        )
        a_round.questionnaire_version = version
        lines = [f"{g.id}{i}.{version}@example.org, {g.id}" for g in q.groups for i in range(3)]
        created, errors = services.add_invitations(a_round, "\n".join(lines))
        assert not errors, errors
        services.open_round(a_round)
        tokens: dict[str, dict[str, str]] = {}
        for invitee, token in created:
            tokens.setdefault(invitee.group, {}).setdefault("invitation", token)
        for g in q.groups:
            link = services.ensure_open_link(a_round, g.id)
            tokens[g.id]["open_link"] = services.rotate_open_link(link, SECRET_KEY)
        db.session.remove()
    return tokens


def complete_answers(q, csrf_token: str) -> dict[str, str]:
    from feedback360.survey.forms import item_field

    return {"csrf_token": csrf_token} | {item_field(item.id): "4" for item in q.items}


def measure_link(app, q, token: str, more_answers: dict[str, str] | None = None) -> dict:
    """One link's two steps; `more_answers`: what step 1 needs besides the ratings of `q`."""
    from feedback360.survey.forms import comment_field

    names = {comment_field(question.id) for question in q.open_questions}
    client = app.test_client()
    survey = client.get(f"/s/{token}")
    assert survey.status_code == 200, survey.status
    step1 = page_text(survey.text, names)
    step2 = PageText(0, 0, 0, "", 0)
    answers = complete_answers(q, CSRF_FIELD.search(survey.text)[1]) | (more_answers or {})
    reply = client.post(f"/s/{token}?go=review", data=answers)
    if reply.status_code == 200 and 'action="?go=send"' in reply.text:  # a review step
        step2 = page_text(reply.text, names)
    estimate = Estimate(
        step1.words + step2.words,
        step1.choices + step2.choices,
        step1.open_questions + step2.open_questions,
    )
    return {
        "minutes": round(estimate.minutes, 2),
        "words": estimate.words,
        "survey_words": step1.words,
        "review_words": step2.words,
        "all_visible_words": step1.all_visible_words + step2.all_visible_words,
        "choices": estimate.choices,
        "open_questions": estimate.open_questions,
    }


def bench_app(instance: Path, database: Path):
    """The app as both measurements run it: its own SQLite file, no rate limit."""
    from feedback360 import create_app

    return create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": SECRET_KEY,
            "SERVER_NAME": "127.0.0.1",
            "RATELIMIT_ENABLED": False,
        }
    )


def measure(version: str, tmp: Path) -> dict:
    from feedback360 import questionnaire

    app = bench_app(tmp / "instance", tmp / f"{version}.sqlite")
    q = questionnaire.load(version)
    tokens = seed_round(app, version)
    # Each request in its own app context, as served: Flask-WTF keeps a token in `g`.
    return {
        group.id: {
            kind: measure_link(app, q, tokens[group.id][kind])
            for kind in ("invitation", "open_link")
        }
        for group in q.groups
    }


def seed_pulse(app, version: str, tokens: dict[str, dict[str, str]]) -> dict:
    """Close the round `seed_round` made, after an answer per group, with a plan of three
    dimensions; make its pulse, open today. Its links, as `seed_round` returns them."""
    from datetime import timedelta

    from feedback360 import questionnaire
    from feedback360.extensions import db
    from feedback360.focus import EntryInput
    from feedback360.followup.plans import save_plan
    from feedback360.followup.pulses import create_pulse
    from feedback360.keys import secret_keys
    from feedback360.models import Invitation
    from feedback360.models import Round
    from feedback360.rounds import services
    from feedback360.rounds.services.common import today
    from feedback360.survey import services as survey_services
    from feedback360.tokens import issued_token
    from feedback360.tokens import open_link_token

    q = questionnaire.load(version)
    with app.app_context():
        for links in tokens.values():
            link = survey_services.resolve(links["invitation"])
            survey_services.submit(link, {item.id: 4 for item in q.items}, {})
        a_round = db.session.get(Round, link.round_id)
        services.close_round(a_round)
        plan = [EntryInput(d.id, "Say why.", "any", "Replies") for d in q.dimensions[:3]]
        check = save_plan(a_round, a_round.leader, plan)
        assert check.ok, check.errors
        pulse = create_pulse(a_round, a_round.leader, today(), today() + timedelta(days=14))
        pulse_tokens: dict[str, dict[str, str]] = {}
        for inv in (
            db.session.query(Invitation).filter_by(round_id=pulse.id).order_by(Invitation.id)
        ):
            token = issued_token(secret_keys(), "invitation", inv.nonce, inv.token_hash)
            pulse_tokens.setdefault(inv.rater_group, {}).setdefault("invitation", token)
        for link in pulse.open_links:
            pulse_tokens[link.rater_group]["open_link"] = open_link_token(SECRET_KEY, link.nonce)
        round_id = pulse.id
        db.session.remove()
    return {"round_id": round_id, "tokens": pulse_tokens}


def measure_pulse(version: str, tmp: Path) -> dict:
    """The longest pulse a plan can make, per group and link (see the module docstring)."""
    from feedback360.extensions import db
    from feedback360.followup.survey import pulse_survey_of
    from feedback360.models import Round
    from feedback360.survey.pulse_form import change_field

    app = bench_app(tmp / "instance-pulse", tmp / f"pulse-{version}.sqlite")
    seeded = seed_pulse(app, version, seed_round(app, version))
    with app.app_context():
        survey = pulse_survey_of(db.session.get(Round, seeded["round_id"]))
        db.session.remove()
    changes = {change_field(t.target.id): "no_change" for t in survey.targets}
    figures = {
        group: {
            kind: measure_link(app, survey.questionnaire, token, changes)
            for kind, token in links.items()
        }
        for group, links in seeded["tokens"].items()
    }
    return {"version": version, "targets": [t.target.id for t in survey.targets]} | figures


def main() -> None:
    from feedback360 import questionnaire
    from feedback360.survey_time import SECONDS_PER_CHOICE
    from feedback360.survey_time import SECONDS_PER_OPEN_QUESTION
    from feedback360.survey_time import WORDS_PER_MINUTE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", nargs="+", default=questionnaire.available_versions()[-2:])
    args = parser.parse_args()
    result = {
        "model": {
            "words_per_minute": WORDS_PER_MINUTE,
            "seconds_per_choice": SECONDS_PER_CHOICE,
            "seconds_per_open_question": SECONDS_PER_OPEN_QUESTION,
        },
        "target_minutes": TARGET_MINUTES,
        "pulse_target_minutes": PULSE_TARGET_MINUTES,
        "current_version": questionnaire.CURRENT_VERSION,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for version in args.versions:
            figures = measure(version, Path(tmp))
            result[version] = figures
            for group, kinds in figures.items():
                for kind, f in kinds.items():
                    print(
                        f"{version} {group:9} {kind:10} {f['minutes']:5.2f} min  "
                        f"{f['words']:4} words ({f['survey_words']} + {f['review_words']})  "
                        f"{f['choices']:2} choices  {f['open_questions']} open",
                        file=sys.stderr,
                    )
        pulse = measure_pulse(questionnaire.CURRENT_VERSION, Path(tmp))
        result["pulse"] = pulse
        for group, kinds in pulse.items():
            if isinstance(kinds, dict):
                for kind, f in kinds.items():
                    print(
                        f"pulse  {group:9} {kind:10} {f['minutes']:5.2f} min  "
                        f"{f['words']:4} words ({f['survey_words']} + {f['review_words']})  "
                        f"{f['choices']:2} choices",
                        file=sys.stderr,
                    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
