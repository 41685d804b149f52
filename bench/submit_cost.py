"""What one survey submit costs, one at a time, with no other load: CPU and statements.

Usage: .venv/bin/python bench/submit_cost.py [--databases sqlite postgresql] [--submits 800]

`bench/load.py` measures throughput, which on 2 shared cores depends on everything else running.
This measures the cost behind it, in one process and without contention: an open round with an
open link (seeded as in `bench/load.py`), the Flask test client GETs the survey once for the
session cookie and CSRF token, then POSTs complete answers --submits times (after 50 untimed).
The limiter stays on with its counters in Redis, as deployed.

Per submit: the app's CPU (this process, which includes the test client's own small share), the
database server's CPU (PostgreSQL only: the backend process serving the app's one connection,
read from /proc), wall time, SQL statements sent (an executemany counts once; BEGIN and COMMIT
are not counted) and Python function calls (cProfile, on a separate run of 200 submits). Calls
and statements do not depend on the machine's speed. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from load import CSRF_FIELD
from load import SECRET_KEY
from load import answers_form
from load import flush_limiter_keys
from load import seed
from scratch import add_database_arguments
from scratch import database

PROFILED_SUBMITS = 200


def backend_cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(kind: str, args) -> dict:
    from sqlalchemy import event
    from sqlalchemy import text
    from werkzeug.datastructures import MultiDict

    from feedback360 import create_app
    from feedback360.extensions import db

    prefix = f"f360cost{uuid.uuid4().hex[:12]}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(kind, Path(tmp), args.postgres_url, "cost") as url,
    ):
        instance = Path(tmp) / "instance"
        token, _ = seed(url, instance)
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": SECRET_KEY,
                "RATELIMIT_STORAGE_URI": args.redis_url,
                "RATELIMIT_KEY_PREFIX": prefix,
                "SURVEY_RATE_LIMIT": "1000000 per minute",
            }
        )
        # No cookie jar: the answered-cookie of an open link would turn later submits away.
        client = app.test_client(use_cookies=False)
        page = client.get(f"/s/{token}")
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        form = MultiDict(
            answers_form(random.Random(1)) + [("csrf_token", CSRF_FIELD.search(page.text)[1])]
        )

        def submit() -> None:
            reply = client.post(f"/s/{token}", data=form, headers={"Cookie": cookie})
            assert reply.status_code == 302, f"submit answered {reply.status_code}"

        for _ in range(50):
            submit()
        backend_pid = None
        if kind == "postgresql":
            with app.app_context():  # the pool's one connection, which every submit reuses
                backend_pid = db.session.scalar(text("SELECT pg_backend_pid()"))
                db.session.remove()
        with app.app_context():
            engine = db.engine
        statements = 0

        def count_statement(*_args) -> None:
            nonlocal statements
            statements += 1

        event.listen(engine, "after_cursor_execute", count_statement)
        backend_before = backend_cpu_seconds(backend_pid)
        wall_before, cpu_before = time.perf_counter(), time.process_time()
        for _ in range(args.submits):
            submit()
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
        backend = backend_cpu_seconds(backend_pid) - backend_before
        event.remove(engine, "after_cursor_execute", count_statement)

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(PROFILED_SUBMITS):
            submit()
        profile.disable()
        calls = sum(row[1] for row in pstats.Stats(profile).stats.values())
        with app.app_context():
            db.engine.dispose()
        flush_limiter_keys(args.redis_url, prefix)

    per_submit_ms = 1000 / args.submits
    return {
        "submits": args.submits,
        "wall_ms": round(wall * per_submit_ms, 2),
        "app_cpu_ms": round(cpu * per_submit_ms, 2),
        "database_cpu_ms": round(backend * per_submit_ms, 2) if backend_pid else None,
        "statements": round(statements / args.submits, 1),
        "python_calls": calls // PROFILED_SUBMITS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_database_arguments(parser)
    parser.add_argument("--submits", type=int, default=800)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    results = {}
    for kind in args.databases:
        figures = measure(kind, args)
        database_cpu = figures["database_cpu_ms"]
        print(
            f"{kind:>10}: app CPU {figures['app_cpu_ms']} ms, "
            f"database CPU {'-' if database_cpu is None else database_cpu} ms, "
            f"wall {figures['wall_ms']} ms, {figures['statements']} statements, "
            f"{figures['python_calls']:,} Python calls per submit",
            file=sys.stderr,
        )
        results[kind] = figures
    print(json.dumps(results))


if __name__ == "__main__":
    main()
