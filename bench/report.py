"""Time and peak memory to build the demo PDF report, for 25 and 500 respondents, and the time
to download it once the sender has built it.

Usage: .venv/bin/python bench/report.py [--respondents 25 500] [--repeat 3] [--downloads 200]

Each size is seeded into a temporary SQLite instance, then measured in a fresh process pinned to
one core: import time, the first render (fetch + aggregate + PDF) and the best of the repeats,
peak resident memory of that process, pages and bytes. Then the render split in two: WeasyPrint
alone on the same HTML (same stylesheet and options) and the app's own work that made the HTML
(queries, aggregation, analysis, the template), best of the repeats each, and their ratio
(target: app work under 0.3 of WeasyPrint's time). Last, the download of the copy the sender
built and stored (`reports.stored`), through the app's route with Flask's test client, one after
another: median and p99 in ms (target: p99 under 50 ms; at 8 connections while submits run,
`bench/load.py --phases download` measures it on this seed's large round). The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LARGE_ROUND = 500  # respondents: a realistic large report (bench/load.py downloads one too)
TARGETS = {
    25: {"seconds": 1.5, "peak_mb": 150, "app_work_ratio": 0.3, "download_p99_ms": 50},
    LARGE_ROUND: {"seconds": 4.0, "peak_mb": None, "app_work_ratio": 0.3, "download_p99_ms": 50},
}


def seed(instance: Path, respondents: int, config: dict | None = None) -> int:
    """The demo's closed round with this many respondents, and its earlier one for the trend;
    `config` may name another database (and its secret key). Returns the current round's id."""
    from feedback360 import create_app
    from feedback360.demo import seed_demo
    from feedback360.extensions import db

    app = create_app({"INSTANCE_PATH": instance, **(config or {})})
    with app.app_context():
        db.create_all()
        round_id = seed_demo(respondents=respondents).id
        db.session.remove()
        db.engine.dispose()
    return round_id


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child started by a parent that
    had just seeded 500 respondents would report the parent's peak as its own.
    """
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024


def render_split(app, a_round, repeat: int) -> tuple[float, float]:
    """Best times of the app's own work (queries, aggregation, analysis, the template: the
    report's HTML) and of WeasyPrint alone on that HTML (`write_pdf` with the same stylesheet,
    URL fetcher and options as `render_report_pdf`)."""
    from weasyprint import HTML

    from feedback360.reports.pdf import PDF_TAGS
    from feedback360.reports.pdf import StaticOnlyFetcher
    from feedback360.reports.pdf import font_config
    from feedback360.reports.pdf import gc_paused
    from feedback360.reports.pdf import render_report_html
    from feedback360.reports.pdf import report_stylesheet
    from feedback360.reports.services import report_data

    fetcher = StaticOnlyFetcher(app.static_folder)
    stylesheet = report_stylesheet(fetcher)  # parsed once, as the app caches it
    app_work, weasyprint = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        html = render_report_html(report_data(a_round, app.config["REPORT_COMMENTS_PER_KEY"]))
        t1 = time.perf_counter()
        with gc_paused():
            HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).write_pdf(
                stylesheets=[stylesheet], pdf_tags=PDF_TAGS, font_config=font_config()
            )
        t2 = time.perf_counter()
        app_work.append(t1 - t0)
        weasyprint.append(t2 - t1)
    return min(app_work), min(weasyprint)


def stored_download_ms(app, a_round, downloads: int) -> list[float]:
    """The sender builds the leader's copy (as `flask send-mail` does); then the leader downloads
    it `downloads` times through the route, one after another."""
    from feedback360.extensions import db
    from feedback360.reports.stored import build_wanted_reports
    from feedback360.reports.wanted import want_all_copies

    want_all_copies([a_round.id])
    db.session.commit()
    build_wanted_reports()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = a_round.leader.get_id()
        session["_fresh"] = True
    url = f"/rounds/{a_round.id}/report.pdf"
    timings = []
    for _ in range(downloads):
        t0 = time.perf_counter()
        reply = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        if reply.status_code != 200 or reply.mimetype != "application/pdf":
            raise SystemExit(f"download of the stored report failed: {reply.status}")
    return timings


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def measure(instance: str, round_id: int, repeat: int, downloads: int) -> dict:
    """Runs in a fresh process: everything it reports is this process's own cost."""
    started = time.perf_counter()
    from feedback360 import create_app
    from feedback360.extensions import db
    from feedback360.models import Round
    from feedback360.reports.pdf import render_report_pdf
    from feedback360.reports.services import report_data

    app = create_app({"INSTANCE_PATH": instance})
    imported = time.perf_counter() - started
    imported_rss = peak_rss_mb()
    timings, peaks = [], []
    with app.app_context():
        for _ in range(repeat):
            t0 = time.perf_counter()
            a_round = db.session.get(Round, round_id)
            pdf = render_report_pdf(report_data(a_round, app.config["REPORT_COMMENTS_PER_KEY"]))
            timings.append(time.perf_counter() - t0)
            peaks.append(peak_rss_mb())
            db.session.expire_all()
        app_work, weasyprint_seconds = render_split(app, a_round, repeat)
        download_ms = stored_download_ms(app, a_round, downloads)
    out = Path(instance) / "report.pdf"
    out.write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    return {
        "weasyprint_alone_seconds": round(weasyprint_seconds, 3),
        "app_work_seconds": round(app_work, 3),
        "app_work_ratio": round(app_work / weasyprint_seconds, 3),
        "download_median_ms": round(statistics.median(download_ms), 2),
        "download_p99_ms": round(percentile(download_ms, 99), 2),
        "downloads": len(download_ms),
        "import_seconds": round(imported, 3),
        "first_render_seconds": round(timings[0], 3),
        "best_render_seconds": round(min(timings), 3),
        "cold_total_seconds": round(imported + timings[0], 3),
        "imported_rss_mb": round(imported_rss, 1),
        "first_render_peak_rss_mb": round(peaks[0], 1),
        "peak_rss_mb": round(peaks[-1], 1),
        "pages": int(next(ln.split()[1] for ln in pages.splitlines() if ln.startswith("Pages"))),
        "pdf_kb": round(len(pdf) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, nargs="+", default=[25, LARGE_ROUND])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        instance, round_id = args.measure
        print(json.dumps(measure(instance, int(round_id), args.repeat, args.downloads)))
        return
    results = {}
    for respondents in args.respondents:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp) / "instance"
            round_id = seed(instance, respondents)
            command = [sys.executable, __file__, "--repeat", str(args.repeat)]
            command += ["--downloads", str(args.downloads)]
            command += ["--measure", str(instance), str(round_id)]
            if hasattr(os, "sched_setaffinity"):
                command = ["taskset", "-c", "0", *command]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            figures["target"] = TARGETS.get(respondents)
            results[f"respondents_{respondents}"] = figures
            print(f"{respondents:>4} respondents: {figures}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
