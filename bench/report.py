"""Time and peak memory to build the demo PDF report, for 25 and 500 respondents.

Usage: .venv/bin/python bench/report.py [--respondents 25 500] [--repeat 3]

Each size is seeded into a temporary SQLite instance, then measured in a fresh process pinned to
one core: import time, the first render (fetch + aggregate + PDF) and the best of the repeats,
peak resident memory of that process, pages and bytes. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {25: {"seconds": 1.5, "peak_mb": 150}, 500: {"seconds": 4.0, "peak_mb": None}}


def seed(instance: Path, respondents: int) -> int:
    from feedback360 import create_app
    from feedback360.demo import seed_demo
    from feedback360.extensions import db

    app = create_app({"INSTANCE_PATH": instance})
    with app.app_context():
        db.create_all()
        return seed_demo(respondents=respondents).id


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child started by a parent that
    had just seeded 500 respondents would report the parent's peak as its own.
    """
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024


def measure(instance: str, round_id: int, repeat: int) -> dict:
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
    out = Path(instance) / "report.pdf"
    out.write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    return {
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
    parser.add_argument("--respondents", type=int, nargs="+", default=[25, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), args.repeat)))
        return
    results = {}
    for respondents in args.respondents:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp) / "instance"
            round_id = seed(instance, respondents)
            command = [sys.executable, __file__, "--repeat", str(args.repeat)]
            command += ["--measure", str(instance), str(round_id)]
            if hasattr(os, "sched_setaffinity"):
                command = ["taskset", "-c", "0", *command]
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            figures["target"] = TARGETS.get(respondents)
            results[f"respondents_{respondents}"] = figures
            print(f"{respondents:>4} respondents: {figures}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
