"""The catalogs are complete and every word a template shows goes through gettext.

Two checks, each naming what it finds: a message of any language's catalog left untranslated or
fuzzy (`make messages` marks new and changed ones so), and text in a template outside
`{% trans %}` / `{{ _(...) }}`. The machinery they rest on is checked for real below.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from feedback360.catalogs import TRANSLATIONS
from feedback360.catalogs import catalogs
from feedback360.catalogs import compile_stale
from feedback360.locales import SUPPORTED_LOCALES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SOURCE_LANGUAGE = "en"  # the msgids: English needs no catalog


def unfinished(po_path: Path) -> list[str]:
    """The msgids of a catalog that are untranslated or fuzzy."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    return problems


def test_every_language_but_english_has_a_catalog_and_it_compiles(tmp_path):
    languages = {path.parent.parent.name for path in catalogs()}
    assert languages == set(SUPPORTED_LOCALES) - {SOURCE_LANGUAGE}
    assert (TRANSLATIONS / "messages.pot").exists()
    copy = tmp_path / "translations"
    for po_path in catalogs():
        target = copy / po_path.relative_to(TRANSLATIONS)
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path.read_bytes())
    assert len(compile_stale(copy)) == len(languages)
    assert compile_stale(copy) == [], "a .mo newer than its .po is not compiled again"


def test_no_catalog_has_an_untranslated_or_fuzzy_message():
    problems = {path.parent.parent.name: unfinished(path) for path in catalogs()}
    problems = {language: ids for language, ids in problems.items() if ids}
    assert not problems, {language: (len(ids), ids[:5]) for language, ids in problems.items()}


# --- Text left outside gettext in templates -------------------------------------------------

# Jinja that shows translated text, or nothing: replaced by a mark before the HTML is read.
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
# A block that fills in an attribute (`{% block main_class %}page{% endblock %}`) is code.
CLASS_BLOCK = re.compile(r"{%-?\s*block\s+\w*class\w*\s*-?%}.*?{%-?\s*endblock\s*-?%}", re.S)
EXPRESSION = re.compile(r"{{.*?}}", re.S)
STATEMENT = re.compile(r"{%.*?%}", re.S)  # a space: it may stand inside a tag, between attributes
MARK = "\x00"
# Inside Jinja: what gettext already takes, then string literals that read as words (a capital
# letter first, or a space between letters), such as `{% set button = "Send" %}`.
GETTEXT_CALL = re.compile(r"\b(_|gettext|ngettext)\((?:[^()]|\([^()]*\))*\)", re.S)
LITERAL = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")
CLASS_ARGUMENT = re.compile(r"\bclass_?\s*=\s*(\"[^\"]*\"|'[^']*')")
WORDS = re.compile(r"^[A-Z][^\W\d_]|[^\W\d_]\s+[^\W\d_]")
LETTER = re.compile(r"[^\W\d_]")
# Attributes a person reads or hears; every other one (class, id, href, name, ...) is code.
SPOKEN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
# <meta content> that a person reads: a post's preview of a survey link.
SPOKEN_META = re.compile(r"description|title")
# Words that are not English but names: the product's.
NAMES = re.compile(r"\bfeedback(360)?\b", re.I)


class UntranslatedText(HTMLParser):
    """Text nodes and spoken attributes with a letter left once Jinja is taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <style> or <script>

    def _check(self, text: str) -> None:
        words = " ".join(text.replace(MARK, " ").split())
        if LETTER.search(NAMES.sub("", words)):
            self.found.append(words)

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            spoken = name in SPOKEN_ATTRIBUTES or (
                tag == "meta"
                and name == "content"
                and SPOKEN_META.search(attributes.get("name") or attributes.get("property") or "")
            )
            if spoken and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)


def words_in_jinja(source: str) -> list[str]:
    """String literals in Jinja code that a person would read, outside gettext's calls."""
    found = []
    for code in EXPRESSION.findall(source) + STATEMENT.findall(source):
        for double, single in LITERAL.findall(CLASS_ARGUMENT.sub("", GETTEXT_CALL.sub("", code))):
            literal = double or single
            if WORDS.search(literal) and not literal.startswith("%"):
                found.append(literal)
    return found


def untranslated_in(source: str, plain_text: bool = False) -> list[str]:
    """What a template shows that does not go through gettext."""
    source = COMMENT.sub("", source)
    source = CLASS_BLOCK.sub(" ", source)
    source = TRANS_BLOCK.sub(MARK, source)
    in_code = words_in_jinja(source)
    source = EXPRESSION.sub(MARK, source)
    source = STATEMENT.sub(" ", source)
    if plain_text:
        checker = UntranslatedText()
        for line in source.splitlines():
            checker._check(line)
        return checker.found + in_code
    parser = UntranslatedText()
    parser.feed(source)
    parser.close()
    return parser.found + in_code


def untranslated_templates() -> dict[str, list[str]]:
    found = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        strings = untranslated_in(path.read_text(encoding="utf-8"), path.suffix == ".txt")
        if strings:
            found[str(path.relative_to(TEMPLATES))] = strings
    return found


def test_the_scanner_finds_text_outside_gettext_and_nothing_else():
    template = """{# A comment #}<!doctype html>
<html lang="{{ html_lang() }}"><head><style>p { color: red }</style></head>
<body class="page" id="x"><a href="/rounds" title="Your rounds">{{ _("My rounds") }}</a>
{% trans name=user.name %}Hello {{ name }}{% endtrans %} · 3 — {{ count }}
<img alt="{{ _('Chart') }}" src="a.png"><meta name="description" content="About us">
<meta name="robots" content="noindex"><p>Left in English: {{ name }}</p>
<button aria-label="Close">×</button><span>feedback</span>feedback360 · feedback360
<div{% if x %} aria-describedby="{{ id }}-error"{% endif %}>{% block main_class %}a b{% endblock %}
</div>{% extends "base.html" %}{% set b = "Save it" if x else _("Saved") %}{{ "%.1f"|format(v) }}
{{ ngettext("%(num)d day", "%(num)d days", n) }}{{ x|selectattr("status", "equalto", "On") }}
</body></html>"""
    assert untranslated_in(template) == [
        "Your rounds",
        "About us",
        "Left in English:",
        "Close",
        "On",
        "Save it",
    ]
    mail = "{% trans %}Hello{% endtrans %}\n{{ link }}\nThanks, {{ leader }}\n"
    assert untranslated_in(mail, plain_text=True) == ["Thanks,"]


def test_no_template_shows_text_outside_gettext():
    found = untranslated_templates()
    count = sum(len(strings) for strings in found.values())
    assert not found, f"{count} strings in {len(found)} templates, e.g. {list(found.items())[:3]}"
