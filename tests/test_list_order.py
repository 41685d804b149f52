"""Rater lists read as a person expects: person2 before person10, groups in the questionnaire's
order (followers first), the same on every page that lists addresses and on both databases."""

from __future__ import annotations

import random
import re

from feedback360 import questionnaire
from feedback360.invitation_list import in_list_order
from feedback360.invitation_list import page_of
from feedback360.invitation_list import parse_invitees
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.rounds.services.invitations import invitation_page
from feedback360.text import natural_key
from tests.helpers import SECRET_KEY
from tests.helpers import invite
from tests.helpers import login


def naturally(values):
    return sorted(values, key=natural_key)


# --- The key, on plain data -------------------------------------------------------------------


def test_numbers_sort_by_value_not_by_digit():
    assert naturally(["person10", "person2", "person1"]) == ["person1", "person2", "person10"]
    assert naturally(["a10c", "a10b", "a9z", "a100"]) == ["a9z", "a10b", "a10c", "a100"]
    assert naturally(["p2@x.org", "p10@x.org", "p2@w.org"]) == ["p2@w.org", "p2@x.org", "p10@x.org"]
    assert naturally(["v1.10", "v1.9", "v1.2"]) == ["v1.2", "v1.9", "v1.10"]


def test_case_and_accents_do_not_decide_the_order():
    assert naturally(["Zoe", "anna", "Bob"]) == ["anna", "Bob", "Zoe"]
    assert naturally(["eve", "Élodie", "emma"]) == ["Élodie", "emma", "eve"]
    assert naturally(["ZOË2", "zoe10"]) == ["ZOË2", "zoe10"]


def test_ties_are_broken_so_the_order_is_total_and_repeatable():
    values = ["a1", "a01", "A1", "a001", "b", "B"]
    for _ in range(20):
        shuffled = random.sample(values, len(values))
        assert naturally(shuffled) == naturally(values)
    assert naturally(["a1", "A1"]) == ["A1", "a1"]


def test_other_scripts_and_odd_input_never_break_the_key():
    assert naturally(["x١٠", "x٢"]) == ["x٢", "x١٠"], "Arabic-Indic digits count by value"
    assert naturally(["b", "", "1", "a"]) == ["", "1", "a", "b"]
    mixed = ["10", "a", "1a", "a1", "😀", "日本2", "日本10", "٣"]
    assert sorted(mixed, key=natural_key) == naturally(list(reversed(mixed)))
    long_number = "9" * 5000  # longer than Python converts to int
    assert naturally([long_number + "1", "2"]) == ["2", long_number + "1"]


def test_a_list_goes_by_group_in_questionnaire_order_then_by_address():
    entries = [
        ("staff", "s10@x.org"),
        ("colleague", "c1@x.org"),
        ("follower", "person10@x.org"),
        ("other", "a@x.org"),
        ("follower", "Person2@x.org"),
        ("staff", "s9@x.org"),
    ]
    order = in_list_order(entries, ("follower", "colleague", "staff", "other"), lambda e: e)
    assert order == [
        ("follower", "Person2@x.org"),
        ("follower", "person10@x.org"),
        ("colleague", "c1@x.org"),
        ("staff", "s9@x.org"),
        ("staff", "s10@x.org"),
        ("other", "a@x.org"),
    ]


def test_pages_cover_the_list_once_and_a_page_past_the_end_is_empty():
    ordered = list(range(120))
    pages = [page_of(ordered, n, 50) for n in (1, 2, 3)]
    assert [p.items for p in pages] == [ordered[:50], ordered[50:100], ordered[100:]]
    assert [(p.pages, p.has_prev, p.has_next) for p in pages] == [
        (3, False, True),
        (3, True, True),
        (3, True, False),
    ]
    assert (pages[0].prev_num, pages[0].next_num, pages[2].next_num) == (None, 2, None)
    assert page_of(ordered, 4, 50).items == [] and page_of([], 1, 50).pages == 0


def test_the_shown_singular_staff_member_is_accepted_when_pasted():
    invitees, errors = parse_invitees(
        "a@x.org, Staff member\nb@x.org, staff members", already_invited=set(), forbidden={}
    )
    assert not errors and {i.group for i in invitees} == {"staff"}


# --- The pages, on both databases -------------------------------------------------------------

PASTED = "\n".join(
    [f"person{n}@example.org, staff" for n in (10, 2, 1, 33, 3)]
    + [f"Fan{n}@example.org, follower" for n in (12, 2)]
    + ["zed@example.org, colleague", "amy@example.org, other"]
)
EXPECTED = [
    "fan2@example.org",
    "fan12@example.org",
    "zed@example.org",
    "person1@example.org",
    "person2@example.org",
    "person3@example.org",
    "person10@example.org",
    "person33@example.org",
    "amy@example.org",
]
ADDRESS = re.compile(r"[\w.]+@example\.org")


def addresses_in(html: str, section: str) -> list[str]:
    """The addresses of one section of a page, in the order they appear."""
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return [a for a in ADDRESS.findall(part)]


def test_the_round_page_lists_people_as_a_person_reads_them(client, leader, draft_round):
    invite(draft_round, PASTED)
    login(client, "leader@example.com")
    assert addresses_in(client.get(f"/rounds/{draft_round.id}").text, "invitations") == EXPECTED


def test_just_invited_people_are_listed_in_the_same_order(client, leader, draft_round):
    login(client, "leader@example.com")
    page = client.post(f"/rounds/{draft_round.id}/invitations", data={"lines": PASTED}).text
    assert ADDRESS.findall(page.split("<table", 1)[1]) == EXPECTED


def test_the_coach_reviewing_the_list_sees_the_same_order(client, leader, coach, draft_round):
    round_services.share_with_coach(draft_round, "coach@example.com")
    approval.ask_coach_to_review(draft_round, draft_round.shares[0])
    invite(draft_round, PASTED)
    login(client, "coach@example.com")
    page = client.get(f"/rounds/{draft_round.id}/rater-list").text
    assert addresses_in(page, "invitations") == EXPECTED


def test_pages_split_the_natural_order_without_loss_or_repeat(client, leader, draft_round):
    """person1..person120 pasted shuffled: page 1 starts person1, person2, ... not person1,
    person10, person100; every address shows exactly once across the pages."""
    numbers = random.Random(16).sample(range(1, 121), 120)
    invite(draft_round, "\n".join(f"person{n}@example.org, colleague" for n in numbers))
    login(client, "leader@example.com")
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/rounds/{draft_round.id}?page={page}").text
        seen += addresses_in(html, "invitations")
    assert seen == [f"person{n}@example.org" for n in range(1, 121)]
    assert "Page 1 of 3" in client.get(f"/rounds/{draft_round.id}").text


def test_invitation_page_orders_groups_as_the_questionnaire(leader, draft_round):
    invite(draft_round, PASTED)
    page = invitation_page(draft_round, 1, 4)
    groups = questionnaire.load(draft_round.questionnaire_version).group_ids
    assert [row.rater_group for row in page.items] == ["follower", "follower", "colleague", "staff"]
    assert groups[:3] == ("follower", "colleague", "staff")
    assert page.total == 9 and page.pages == 3


def test_open_links_are_listed_in_the_questionnaire_order(client, leader, draft_round):
    for group in ("staff", "other", "follower"):
        link = round_services.ensure_open_link(draft_round, group)
        round_services.rotate_open_link(link, SECRET_KEY)
    login(client, "leader@example.com")
    section = client.get(f"/rounds/{draft_round.id}").text.split('id="open-links"', 1)[1]
    heads = re.findall(r'<div class="open-link-head">\s*<strong>([^<]+)</strong>', section)
    assert heads == ["Followers", "Staff", "Others"]
