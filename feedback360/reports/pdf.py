"""The PDF report that a leader and their coach debrief from: printing only (what it shows is
`context`).

HTML from an autoescaped Jinja template, printed by WeasyPrint. WeasyPrint may fetch nothing but
the app's own static files (and `data:` URLs): no network, no other file on the disk.
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask import render_template
from weasyprint import CSS
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher
from weasyprint.urls import URLFetcherResponse

from . import charts
from .context import render_context

if TYPE_CHECKING:
    from .context import ReportData

# Tagged PDF (structure for screen readers): measured at about +5% render time and +25% size.
PDF_TAGS = True
STYLESHEET = "report.css"  # in the static folder


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that serves files under `static_folder` and `data:` URLs only.

    `file://` URLs are resolved (symlinks, `..`, percent-escapes) and refused unless the result is
    a file inside the static folder; every other scheme (http, https, ftp, …) is refused.
    """

    def __init__(self, static_folder: str | Path, **kwargs) -> None:
        kwargs.setdefault("timeout", 2)
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, **kwargs)
        self.root = Path(static_folder).resolve()
        self.base_url = self.root.as_uri() + "/"

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise FetchRefused(f"The report may only load its own static files, not {url!r}.")
        path = self.static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def static_path(self, url: str) -> Path:
        """The file a `file://` URL names, if it lies inside the static folder."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"Refused a file URL on another host: {url!r}.")
        try:
            path = Path(url2pathname(parts.path)).resolve()
        except (OSError, ValueError) as error:
            raise FetchRefused(f"Refused an unreadable file URL: {url!r}.") from error
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused(f"Refused a file outside the static folder: {url!r}.")
        return path


def render_report_html(data: ReportData) -> str:
    """The report as a standalone HTML document; needs an app context."""
    return render_template("reports/report.html", **render_context(data))


_stylesheets: dict[tuple, CSS] = {}
_stylesheets_lock = threading.Lock()


def report_stylesheet(fetcher: StaticOnlyFetcher) -> CSS:
    """static/report.css, its colours filled in from `charts.PALETTE`, parsed once per process.

    Parsing it on every render is measurable; the cache is keyed on the file's path, size and
    modification time, so an edited stylesheet is picked up without a restart.
    """
    path = fetcher.static_path(fetcher.base_url + STYLESHEET)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _stylesheets_lock:
        stylesheet = _stylesheets.get(key)
        if stylesheet is None:
            css = charts.resolve_css_variables(path.read_text(encoding="utf-8"))
            stylesheet = CSS(string=css, base_url=fetcher.base_url, url_fetcher=fetcher)
            _stylesheets.clear()
            _stylesheets[key] = stylesheet
    return stylesheet


@contextmanager
def gc_paused(collect_after: bool = True):
    """Pause Python's cyclic garbage collector while WeasyPrint (or the aggregation) works.

    A report builds hundreds of thousands of short-lived objects, so the collector kept running
    full passes over the whole process: measured at about a fifth of the render time. Reference
    counting frees almost everything; one collection at the end (about 45 ms) frees the cycles
    left over, so the next report in the same worker starts from the same memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if collect_after:
                gc.collect()


_fonts = threading.local()


def font_config() -> FontConfiguration:
    """One Fontconfig setup per thread, reused by every report it renders.

    WeasyPrint otherwise loads Fontconfig's configuration and font list afresh for each document
    (measured at about 0.1 s and several MB per report). The report uses system fonts only, no
    @font-face, so nothing document-specific accumulates in it.
    """
    if not hasattr(_fonts, "config"):
        _fonts.config = FontConfiguration()
    return _fonts.config


def render_report_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes; needs an app context."""
    html = render_report_html(data)
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    with gc_paused():
        # Title and language come from <title> and <html lang>.
        return document.write_pdf(
            stylesheets=[report_stylesheet(fetcher)], pdf_tags=PDF_TAGS, font_config=font_config()
        )
