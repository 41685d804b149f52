"""Pure helpers: text cleaning, link tokens, the pasted invitation list."""

from __future__ import annotations

from feedback360.invitation_list import MAX_LINES
from feedback360.invitation_list import parse_invitees
from feedback360.text import clean_line
from feedback360.text import clean_text
from feedback360.text import text_direction
from feedback360.tokens import hash_token
from feedback360.tokens import invitation_token
from feedback360.tokens import new_nonce
from feedback360.tokens import open_link_token
from feedback360.tokens import token_matches


def test_clean_text_keeps_unicode_and_drops_control_characters():
    assert clean_text("Zoë 👍 مرحبا\x00\x07 done\r\nnext\rline ") == "Zoë 👍 مرحبا done\nnext\nline"


def test_text_direction_follows_the_first_strong_letter_as_dir_auto_does():
    assert text_direction("مرحبا، this was useful") == "rtl"
    assert text_direction("שלום") == "rtl"
    assert text_direction("On LinkedIn: مرحبا") == "ltr"
    assert text_direction("2026 👍 — «מצוין»") == "rtl", "digits, emoji and punctuation are weak"
    assert text_direction("42 🎉") == "ltr"
    assert text_direction("") == text_direction(None) == "ltr"


def test_clean_text_normalises_to_nfc():
    decomposed = "Zoe\u0308"
    assert clean_text(decomposed) == "Zoë"
    assert len(clean_text(decomposed)) == 3


def test_clean_text_drops_lone_surrogates_and_handles_none():
    assert clean_text("a\ud800b") == "ab"
    assert clean_text(None) == ""


def test_clean_line_collapses_whitespace():
    assert clean_line("  Spring \t round\n2026 ") == "Spring round 2026"


def test_tokens_are_long_random_and_only_hashes_match():
    tokens = {invitation_token("secret", new_nonce()) for _ in range(200)}
    assert len(tokens) == 200
    token = tokens.pop()
    assert len(token) >= 32  # 192 bits in URL-safe base64
    assert len(hash_token(token)) == 64 and token not in hash_token(token)
    assert token_matches(token, hash_token(token))
    assert not token_matches(token + "x", hash_token(token))


def test_open_link_token_depends_on_secret_and_nonce():
    a = open_link_token("secret", "nonce1")
    assert a == open_link_token("secret", "nonce1")
    assert a != open_link_token("secret", "nonce2")
    assert a != open_link_token("other-secret", "nonce1")
    assert len(a) == 32


def test_parse_invitees_keeps_good_lines_and_reports_bad_ones():
    text = "\n".join(
        [
            "ann@example.com, colleague",
            "BOB@Example.com; Staff",
            "not-an-email, staff",
            "carl@example.com",
            "dee@example.com, boss",
            "ann@example.com, follower",
            "",
            "me@example.com, staff",
            "eve@example.com\tfollowers",
        ]
    )
    invitees, errors = parse_invitees(
        text, already_invited=set(), forbidden={"me@example.com": "That is you."}
    )
    assert [(i.email, i.group) for i in invitees] == [
        ("ann@example.com", "colleague"),
        ("bob@example.com", "staff"),
        ("eve@example.com", "follower"),
    ]
    by_line = {e.line_number: e.message for e in errors}
    assert set(by_line) == {3, 4, 5, 6, 8}
    assert "valid email" in by_line[3]
    assert "email, group" in by_line[4]
    assert "Unknown group" in by_line[5]
    assert "already invited" in by_line[6]
    assert by_line[8] == "That is you."


def test_parse_invitees_skips_people_already_invited():
    invitees, errors = parse_invitees(
        "ann@example.com, staff", already_invited={"ann@example.com"}, forbidden={}
    )
    assert invitees == [] and len(errors) == 1


def test_parse_invitees_caps_the_number_of_lines():
    text = "\n".join(f"p{i}@example.com, staff" for i in range(MAX_LINES + 5))
    invitees, errors = parse_invitees(text, already_invited=set(), forbidden={})
    assert len(invitees) == MAX_LINES
    assert errors[0].message.startswith(f"Only {MAX_LINES} lines")
