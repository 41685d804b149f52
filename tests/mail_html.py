"""Reading a mail's HTML part as its reader would: visible text, links, buttons, fetches."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class MailHtml(HTMLParser):
    """What a reader sees of an HTML part, its links, the button, and what it would fetch."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.visible: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, the link's text)
        self.buttons: list[str] = []  # hrefs of links drawn as a button
        self.fetches: list[str] = []  # anything the client would load: images, style sheets
        self.lang: str | None = None
        self._link: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("img", "link", "script", "iframe", "object", "embed", "video", "audio"):
            self.fetches.append(f"<{tag}>")
        for name in ("src", "background", "srcset"):
            if name in attrs:
                self.fetches.append(attrs[name])
        if "url(" in (attrs.get("style") or ""):
            self.fetches.append(attrs["style"])
        if tag == "a":
            self._link = (attrs.get("href") or "", [])
            if self._is_button(attrs):
                self.buttons.append(attrs.get("href") or "")
        if tag not in ("meta", "br", "img", "hr", "link", "input"):
            self.stack.append((tag, attrs))

    def _is_button(self, attrs: dict) -> bool:
        """A link padded as a block inside a coloured cell of a presentation table."""
        style = (attrs.get("style") or "").replace(" ", "")
        cells = [a for tag, a in self.stack if tag == "td" and a.get("bgcolor")]
        tables = [a for tag, a in self.stack if tag == "table" and a.get("role") == "presentation"]
        return bool(cells and tables and "display:inline-block" in style and "padding" in style)

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, text = self._link
            self.links.append((href, " ".join("".join(text).split())))
            self._link = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag in ("head", "title", "style") for tag, _ in self.stack):
            return
        self.visible.append(data)
        if self._link is not None:
            self._link[1].append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.visible).split())


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
