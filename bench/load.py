"""Survey pages and submits, and stored PDF downloads, under gunicorn on loopback, on SQLite and
on PostgreSQL.

Usage: .venv/bin/python bench/load.py [--databases sqlite postgresql] [--connections 8 64]
           [--seconds 10] [--phases page submit respondent download] [--workers 2]
           [--limiter redis|off] [--client wrk|aiohttp] [--ratio-rounds 2]
           [--download-respondents 500]

Needs wrk (Debian: `apt-get install wrk`) unless run with --client aiohttp and without the
download phase; and aiohttp (the `bench` extra), which the respondent phase and warm-ups use.

For each database: a fresh database (a temporary SQLite file, or a throw-away schema in the
PostgreSQL database named by --postgres-url) gets one open round with an open link for
followers, seeded through the app's services before gunicorn starts. Then gunicorn is started
exactly as the README says (`-c python:feedback360.gunicorn_config`, sync workers, access log on,
written to a file) on a free loopback port, and a client keeps N connections busy for --seconds
per phase:

- page: GET the survey page, over and over.
- submit: GET the page once, as a respondent does, and keep the session cookie and the CSRF token
  parsed from the form; then POST complete answers (every item rated, a platform, two comments;
  64 different sets in turn) over and over with that token, and only the POSTs are timed.
  Reusing the token costs the server exactly what a fresh one does (it is checked the same way
  every time); it keeps the page rendering out of the submit figures. No answered-cookie is sent
  back, so the open link takes every answer. A submit counts as done on its 302 to /s/thanks.
- respondent: GET the page with no cookies, parse the token, POST the answers: one whole
  respondent per pair, with a fresh session each time. Both requests are timed together.
- download (bench/download_phase.py): a leader downloads the PDF the sender built, while
  submits run. Before gunicorn starts, bench/report.py's large round (--download-respondents,
  with comments and an earlier round, the demo leader's) is seeded into the same database and
  its copies built once with `reports.stored.build_wanted_reports()`; the leader logs in through
  the login form. Then, for --seconds at N connections, one wrk downloads the PDF (timed; a 200
  counts only if it is application/pdf with exactly the stored bytes) while a second wrk runs
  the submit phase at N connections (not timed for the target; its answered 302s and rate are
  kept). No download may render: every copy in report_files (content key and bytes) must be the
  same after the phase as before. Always driven by wrk; figures under "download_N", CPU for
  both wrk runs together.

The client shares the two cores with gunicorn, PostgreSQL and Redis, so its own CPU
is taken from the server it measures. By default the page and submit phases are driven by wrk, a
load generator written in C (one thread; a Lua script sends the prepared requests and counts
each answer's status and redirect target), which needs about a tenth of the CPU per request of
Python's aiohttp. The respondent phase needs to read each page, so it always runs on aiohttp, as
do all phases with --client aiohttp (to compare; its CPU share is printed as "client").

Ceiling: absolute rates drift two- or threefold within an hour on a shared machine, so a second
gunicorn, with the same settings, serves bench/ceiling_app.py (a bare Flask view doing only the
database work a submit cannot avoid, in raw SQL: see its docstring) against the same database,
for a round of its own seeded the same way. In the submit phase, ceiling and app runs alternate
(--ratio-rounds of each: ceiling, app, ceiling, app), the first app run being submit_N as
before, and "ratio" in the JSON holds per connection level the medians of both, their ratio,
p99s and 5xx; after the run, each app's lost answers (302s in its access log minus rows saved).
Target: ratio >= 0.6 with p99 <= 50 ms at 8 connections; at 64, no 5xx and nothing lost.
Download target (issue 14): p99 <= 50 ms at 8 connections while submits run, with every
download the stored file, nothing rebuilt, submits answered and no 5xx ("valid").

First, a yardstick of the machine itself (a fixed Python loop, a Redis round trip), printed and
kept under "machine" in the JSON, so figures from different machines can be compared.

Figures per phase: completed requests per second, p50/p99 latency as the client saw it (from
sending the request to reading the whole answer, so it includes queueing in the kernel's accept
queue; aiohttp's also includes connecting and its own event loop) and p50/p99 of the time
gunicorn logged for the same requests (%(M)s in the access log). The client's CPU share is
printed, with gunicorn's (master and workers) and the whole machine's: on a shared machine,
anything else running takes cores from the workers, so check "all" against the other two
(PostgreSQL's and Redis's own work also land in "all"). Each connection level starts with a
short untimed warm-up.

Rate limiting: with --limiter redis (the default, as deployed) the limiter stays on and keeps its
counters in Redis at --redis-url, with the survey limit raised to 1,000,000 per minute (every
request comes from 127.0.0.1), so each submit pays the Redis round trip it pays in production.
With --limiter off the app runs with FLASK_RATELIMIT_ENABLED=false.

Checks after each database: no 5xx, no "database is locked" and no traceback in gunicorn's
output, no raw survey token in the access log, and as many response rows as the access log has
submits answered 302.

Page weight: the survey page's HTML and the stylesheets it links, raw and gzip -6 compressed (what
a reverse proxy would send; gunicorn itself does not compress), and how many requests a first
visit needs. Target: at most 14 KB compressed in one request (one TCP initial window).

Targets (issue "Scale-out", 2 cores): submit >= 400 req/s with p99 <= 50 ms at 8 connections;
at 64 connections no 5xx, no "database is locked", p99 <= 300 ms. The last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import download_phase  # noqa: E402 (bench/ is on the path)
from scratch import CSRF_FIELD  # noqa: E402 (bench/ is on the path)
from scratch import SECRET_KEY  # noqa: E402 (bench/ is on the path)
from scratch import add_database_arguments  # noqa: E402 (bench/ is on the path)
from scratch import database  # noqa: E402 (bench/ is on the path when run as a script)

from feedback360.gunicorn_config import default_workers  # noqa: E402

SUBRESOURCE = re.compile(
    r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"'
)
ACCESS_SAVED = re.compile(r'"POST /s/\S+ HTTP/[\d.]+" 302 ', re.M)
ACCESS_MS = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) .* (\d+)ms$')
PHASES = ("page", "submit", "respondent", "download")
TARGETS = {
    "submit_8": {"requests_per_second": 400, "p99_ms": 50},
    "submit_64": {"p99_ms": 300, "server_errors": 0, "database_is_locked": 0},
    "page_kb_gzip_one_request": 14,
    # Issue "Targets as ratios": submits/s as a share of the ceiling app's (bench/ceiling_app.py)
    # in the same run; lost = answered 302 but no row saved.
    "ratio_8": {"of_ceiling": 0.6, "p99_ms": 50},
    "ratio_64": {"server_errors": 0, "lost": 0},
    # Issue 14, "Reports off the request path": the stored PDF, while submits run.
    "download_8": {"p99_ms": 50},
}
COMMENTS = (
    "When she replied to a practitioner's question on LinkedIn last month, the thread turned "
    "into a real discussion and I learned how the team makes decisions.",
    "Her posts are clear, but she rarely shares what went wrong; a post about a failed launch "
    "would help us trust the good news more.",
    "The live stream in March helped me see the reasoning behind the new policy.",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, instance: Path, leader_email: str = "bench@example.com") -> tuple[str, int]:
    """An open round with an open link for followers: (token, round id). One per leader."""
    from feedback360 import create_app
    from feedback360.extensions import db
    from feedback360.models import User
    from feedback360.rounds import services

    app = create_app(
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}
    )
    with app.app_context():
        db.create_all()
        leader = User(email=leader_email, name="Bench Leader", password_hash="!")
        db.session.add(leader)
        db.session.commit()
        a_round = services.create_round(
            leader,
            title="Load",
            platforms=["LinkedIn", "Bluesky"],
            closes_on=None,
            anonymity_threshold=3,
        )
        services.open_round(a_round)
        link = services.ensure_open_link(a_round, "follower")
        token = services.rotate_open_link(link, SECRET_KEY)
        round_id = a_round.id
        db.session.remove()
        db.engine.dispose()
    return token, round_id


def count_responses(url: str, instance: Path, round_id: int) -> int:
    from sqlalchemy import func
    from sqlalchemy import select

    from feedback360 import create_app
    from feedback360.extensions import db
    from feedback360.models import Response

    app = create_app(
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}
    )
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(Response).where(Response.round_id == round_id)
        )
        db.session.remove()
        db.engine.dispose()
    return n


def answers_form(rng: random.Random) -> list[tuple[str, str]]:
    """A complete, valid submit of the current questionnaire."""
    from feedback360 import questionnaire
    from feedback360.survey.forms import PLATFORMS_FIELD
    from feedback360.survey.forms import comment_field
    from feedback360.survey.forms import item_field

    q = questionnaire.load()
    fields = [
        (item_field(item.id), rng.choice(("1", "2", "3", "4", "5", "4", "na"))) for item in q.items
    ]
    if q.platforms:
        fields.append((PLATFORMS_FIELD, q.platforms[0].id))
    keys = q.comment_keys()
    fields.append((comment_field(keys[0]), rng.choice(COMMENTS)))
    fields.append((comment_field(keys[-1]), rng.choice(COMMENTS)))
    return fields


APP = "feedback360:create_app()"
CEILING_APP = "ceiling_app:create_app()"  # bench/ceiling_app.py


class Gunicorn:
    """gunicorn as the README starts it, on a free loopback port, logging to files.

    `app` is the real app, or the ceiling app (bench/ceiling_app.py) under the same settings.
    """

    def __init__(
        self, tmp: Path, url: str, workers: int, limiter: str, redis_url: str, app: str = APP
    ) -> None:
        self.port = free_port()
        name = "ceiling" if app == CEILING_APP else "app"
        self.access_log = tmp / f"{name}-access.log"
        self.error_log = tmp / f"{name}-gunicorn.log"
        self.key_prefix = f"f360bench{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "FEEDBACK360_INSTANCE_PATH": str(tmp / "instance"),
            "FLASK_SECRET_KEY": SECRET_KEY,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESSLOG": str(self.access_log),
            "GUNICORN_ERRORLOG": str(self.error_log),
        }
        if app == CEILING_APP:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")])
            )
        if limiter == "off":
            env["FLASK_RATELIMIT_ENABLED"] = "false"
        else:
            env["FLASK_RATELIMIT_STORAGE_URI"] = redis_url
            env["FLASK_RATELIMIT_KEY_PREFIX"] = self.key_prefix
            env["FLASK_SURVEY_RATE_LIMIT"] = "1000000 per minute"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:feedback360.gunicorn_config",
            app,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {self.error_log}") from None
                time.sleep(0.1)

    def pids(self) -> list[int]:
        """The master and its workers."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        return [pid, *map(int, children)]

    def stop(self) -> str:
        """Stop gracefully and return everything gunicorn wrote to its error log."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        return self.error_log.read_text() if self.error_log.exists() else ""

    def access_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def server_ms(self, start: int, method: str, path: str = "") -> list[int]:
        """Times gunicorn logged for this method's requests (to `path`, if given) written after
        byte `start`."""
        with open(self.access_log, "rb") as f:
            f.seek(start)
            lines = f.read().decode().splitlines()
        return [
            int(m[4])
            for m in map(ACCESS_MS.search, lines)
            if m and m[1] == method and (not path or m[2] == path)
        ]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds these processes have used (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (Linux /proc/stat; 0 elsewhere)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine_busy(seconds: float) -> float:
    """Share of all cores busy over `seconds` before the run: others' work skews the figures."""
    before = busy_seconds()
    time.sleep(seconds)
    return round((busy_seconds() - before) / seconds / (os.cpu_count() or 1), 2)


def yardstick(redis_url: str) -> dict:
    """How fast this machine is, so figures from different machines can be compared.

    The same fixed pure-Python loop (best of three), and the median of 500 round trips to Redis
    over loopback, both on the idle machine before the run. Machines here have differed by more
    than 1.5 times in the same code's throughput; a submit makes about ten round trips.
    """
    import redis

    loop_ms = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        loop_ms.append((time.perf_counter() - started) * 1000)
    client = redis.Redis.from_url(redis_url)
    client.ping()
    trips = []
    for _ in range(500):
        started = time.perf_counter()
        client.ping()
        trips.append((time.perf_counter() - started) * 1_000_000)
    client.close()
    return {
        "python_loop_ms": round(min(loop_ms), 1),
        "redis_round_trip_us": round(percentile(trips, 50), 1),
    }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.failures: dict[str, int] = {}

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)

    def fail(self, error: Exception) -> None:
        name = type(error).__name__
        self.failures[name] = self.failures.get(name, 0) + 1


async def fetch_form(session, url: str) -> tuple[int, str, str]:
    """GET the survey page: (status, session cookie, CSRF token)."""
    async with session.get(url, allow_redirects=False) as reply:
        body = await reply.text()
        cookie = reply.cookies.get("session")
        match = CSRF_FIELD.search(body)
        if reply.status != 200 or cookie is None or match is None:
            raise RuntimeError(f"survey page answered {reply.status}")
        return reply.status, cookie.value, match[1]


async def post_answers(session, url: str, cookie: str | None, token: str | None, fields) -> int:
    """POST the answers; without a cookie and token for the ceiling app, which checks none."""
    data = [("csrf_token", token), *fields] if token else list(fields)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    async with session.post(url, data=data, headers=headers, allow_redirects=False) as reply:
        await reply.read()
        if reply.status == 302 and not reply.headers.get("Location", "").endswith("/s/thanks"):
            return 0  # a redirect elsewhere is not a saved answer
        return reply.status


def phase_figures(
    tally: Tally, phase: str, elapsed: float, client_cpu: float, server_cpu: float, busy: float
) -> dict:
    """One phase's figures from what the client counted and what the processes used."""
    cores = os.cpu_count() or 1
    ok = 302 if phase in ("submit", "respondent", "ceiling") else 200
    done = tally.statuses.get(ok, 0)
    return {
        "requests": len(tally.latencies),
        "ok": done,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "client_failures": tally.failures,
        "server_errors": sum(v for k, v in tally.statuses.items() if k >= 500),
        "seconds": round(elapsed, 2),
        "per_second": round(done / elapsed, 1),
        "p50_ms": _ms(percentile(tally.latencies, 50)),
        "p99_ms": _ms(percentile(tally.latencies, 99)),
        "max_ms": _ms(max(tally.latencies, default=None)),
        # Shares of all the machine's cores: the client, gunicorn, and everything busy (which
        # also counts PostgreSQL, Redis and anything else running at the time).
        "cpu_client": round(client_cpu / elapsed / cores, 2),
        "cpu_gunicorn": round(server_cpu / elapsed / cores, 2),
        "cpu_all": round(busy / elapsed / cores, 2),
    }


# wrk's side of the page and submit phases. `prepared` holds the requests, sent in turn;
# `response` counts each status, and a 302 that does not go to /s/thanks counts as status 0 (as
# in post_answers).
WRK_SCRIPT = r"""
local prepared = {}
local next_one = 0
counts = {}

init = function(args)
  for _, body in ipairs(bodies) do
    table.insert(prepared, wrk.format(method, path, headers, body))
  end
end

request = function()
  next_one = next_one % #prepared + 1
  return prepared[next_one]
end

response = function(status, response_headers, body)
  local key = tostring(status)
  if status == 302 and not string.find(response_headers["Location"] or "", "/s/thanks$") then
    key = "0"
  end
  counts[key] = (counts[key] or 0) + 1
end
"""

# Every wrk script ends with this: `done` prints two lines for run_wrk, the counts each thread
# kept in its global `counts`, and the latencies.
WRK_DONE = r"""
threads = {}
setup = function(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      table.insert(parts, status .. "=" .. n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT duration_us=%d connect=%d read=%d write=%d timeout=%d statuses=%s\n",
    summary.duration, e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
  local buckets = {}
  for _, p in ipairs({50, 99}) do
    table.insert(buckets, p .. "=" .. latency:percentile(p))
  end
  io.write("LATENCY max=" .. latency.max .. " " .. table.concat(buckets, " ") .. "\n")
end
"""


def lua_string(text: str) -> str:
    """A Lua long string: no escapes inside, so it must not hold its own closing bracket."""
    if "]==]" in text:
        raise ValueError("text closes a Lua long string")
    return "[==[" + text + "]==]"


def lua_globals(values: dict) -> str:
    """Lua assignments of these strings, and tables of strings (dicts as maps, lists as arrays)."""

    def value(v) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"[ {lua_string(k)} ] = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "{" + ", ".join(value(x) for x in v) + "}"
        return lua_string(v)

    return "\n".join(f"{name} = {value(v)}" for name, v in values.items()) + "\n"


def run_wrk_phase(
    base: str, token: str, phase: str, connections: int, seconds: float, server_pids: list[int]
) -> dict:
    """The page or submit phase driven by wrk: same requests, same figures as run_phase."""
    import urllib.parse
    import urllib.request

    path = f"/s/{token}"
    if phase == "page":
        method, headers, bodies = "GET", {}, [""]
    elif phase == "ceiling":  # the same answers; no page, no cookie, no CSRF token
        rng = random.Random(connections)
        method = "POST"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        bodies = [urllib.parse.urlencode(answers_form(rng)) for _ in range(64)]
    else:
        with urllib.request.urlopen(base + path, timeout=10) as reply:
            cookie = reply.headers["Set-Cookie"].split(";", 1)[0]
            csrf = CSRF_FIELD.search(reply.read().decode())[1]
        rng = random.Random(connections)
        method = "POST"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        bodies = [
            urllib.parse.urlencode([("csrf_token", csrf), *answers_form(rng)]) for _ in range(64)
        ]
    settings = lua_globals({"method": method, "path": path, "headers": headers, "bodies": bodies})
    return run_wrk(base + path, settings + WRK_SCRIPT, phase, connections, seconds, server_pids)


def run_wrk(
    url: str, script: str, phase: str, connections: int, seconds: float, server_pids: list[int]
) -> dict:
    """Run wrk with this Lua script (WRK_DONE appended) on one thread; the phase's figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script_file:
        script_file.write(script + WRK_DONE)
        script_file.flush()
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", script_file.name, url,
        ]  # fmt: skip
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_before, busy_before = cpu_seconds(server_pids), busy_seconds()
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = run.stdout
    if run.returncode or "RESULT" not in output:
        raise RuntimeError(f"wrk failed ({run.returncode}): {run.stderr or output}")
    server_cpu = cpu_seconds(server_pids) - server_before
    busy = busy_seconds() - busy_before
    result = dict(re.findall(r"(\w+)=(\S*)", re.search(r"^RESULT (.*)$", output, re.M)[1]))
    latency = dict(re.findall(r"(\w+)=(\S+)", re.search(r"^LATENCY (.*)$", output, re.M)[1]))
    tally = Tally()
    for item in filter(None, result["statuses"].split(",")):
        status, n = item.split("=")
        tally.statuses[int(status)] = int(n)
    for name in ("connect", "read", "write", "timeout"):
        if int(result[name]):
            tally.failures[name] = int(result[name])
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    figures = phase_figures(
        tally, phase, int(result["duration_us"]) / 1e6, client_cpu, server_cpu, busy
    )
    figures["requests"] = sum(tally.statuses.values())
    figures |= {
        "p50_ms": round(float(latency["50"]) / 1000, 1),
        "p99_ms": round(float(latency["99"]) / 1000, 1),
        "max_ms": round(float(latency["max"]) / 1000, 1),
        "client": "wrk",
        "wall_seconds": round(elapsed, 2),
    }
    return figures


async def run_phase(
    base: str, token: str, phase: str, connections: int, seconds: float, server_pids: list[int]
) -> dict:
    """A phase driven by aiohttp from this process."""
    import aiohttp

    url = f"{base}/s/{token}"
    tally = Tally()
    rng = random.Random(connections)
    forms = [answers_form(rng) for _ in range(64)]

    async def client(number: int, session, deadline: float) -> None:
        cookie = csrf = None
        if phase == "submit":
            _, cookie, csrf = await fetch_form(session, url)
        n = number
        while time.perf_counter() < deadline:
            n += connections
            started = time.perf_counter()
            try:
                if phase == "page":
                    async with session.get(url, allow_redirects=False) as reply:
                        await reply.read()
                        status = reply.status
                elif phase == "submit":
                    status = await post_answers(session, url, cookie, csrf, forms[n % len(forms)])
                elif phase == "ceiling":
                    status = await post_answers(session, url, None, None, forms[n % len(forms)])
                else:
                    _, fresh_cookie, fresh_csrf = await fetch_form(session, url)
                    fields = forms[n % len(forms)]
                    status = await post_answers(session, url, fresh_cookie, fresh_csrf, fields)
            except (TimeoutError, aiohttp.ClientError, RuntimeError) as error:
                tally.fail(error)
                continue
            tally.add(status, time.perf_counter() - started)

    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=connections, force_close=True)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    server_before, busy_before = cpu_seconds(server_pids), busy_seconds()
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(client(i, session, deadline) for i in range(connections)))
        elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = cpu_seconds(server_pids) - server_before
    busy = busy_seconds() - busy_before
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return phase_figures(tally, phase, elapsed, cpu, server_cpu, busy) | {"client": "aiohttp"}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def page_weight(base: str, token: str) -> dict:
    """The survey page and what it links, raw and compressed as a proxy would send them."""
    import urllib.request

    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=10) as reply:
            return reply.read()

    html = get(f"/s/{token}")
    linked = SUBRESOURCE.findall(html.decode())
    sizes = {path: get(path) for path in linked}
    html_gz = len(gzip.compress(html, 6))
    total_gz = html_gz + sum(len(gzip.compress(body, 6)) for body in sizes.values())
    return {
        "html_kb": round(len(html) / 1024, 1),
        "html_kb_gzip": round(html_gz / 1024, 1),
        "linked_kb_gzip": {
            path: round(len(gzip.compress(body, 6)) / 1024, 1) for path, body in sizes.items()
        },
        "total_kb_gzip": round(total_gz / 1024, 1),
        "requests": 1 + len(linked),
        "within_14kb_in_one_request": not linked and html_gz <= 14 * 1024,
    }


def targets_met(figures: dict) -> dict:
    """Each target this run measured, met or not."""
    met = {"page_kb_gzip_one_request": figures["page_weight"]["within_14kb_in_one_request"]}
    if "submit_8" in figures:
        at_8, goal = figures["submit_8"], TARGETS["submit_8"]
        met["submit_8"] = (
            at_8["per_second"] >= goal["requests_per_second"] and at_8["p99_ms"] <= goal["p99_ms"]
        )
    if "submit_64" in figures:
        phases_64 = [v for k, v in figures.items() if k.endswith("_64")]
        met["submit_64"] = (
            figures["submit_64"]["p99_ms"] <= TARGETS["submit_64"]["p99_ms"]
            and not any(phase["server_errors"] for phase in phases_64)
            and figures["database_is_locked"] == 0
        )
    if "download_8" in figures:
        met["download_8"] = figures["download_8"]["target_met"]
    ratio = figures.get("ratio", {})
    if "8" in ratio:
        at_8, goal = ratio["8"], TARGETS["ratio_8"]
        met["ratio_8"] = (
            at_8["ratio"] is not None
            and at_8["ratio"] >= goal["of_ceiling"]
            and at_8["app_p99_ms"] <= goal["p99_ms"]
        )
    if "64" in ratio:
        met["ratio_64"] = (
            ratio["64"]["app_server_errors"] == 0
            and ratio["64"]["ceiling_server_errors"] == 0
            and ratio.get("app_lost", 0) == 0
            and ratio.get("ceiling_lost", 0) == 0
        )
    return met


def flush_limiter_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def measure(server: Gunicorn, token: str, phase: str, connections: int, args, kind: str) -> dict:
    """One phase against one server, with the times gunicorn logged for it; printed as it ends."""
    offset = server.access_offset()
    phase_args = (server.base, token, phase, connections, args.seconds)
    if args.client == "wrk" and phase != "respondent":
        result = run_wrk_phase(*phase_args, server.pids())
    else:
        result = asyncio.run(run_phase(*phase_args, server.pids()))
    logged = server.server_ms(offset, "GET" if phase == "page" else "POST")
    result["server_p50_ms"] = percentile(logged, 50)
    result["server_p99_ms"] = percentile(logged, 99)
    print(
        f"{kind:>10} {phase:>10} {connections:>3} conn: "
        f"{result['per_second']:>6} /s  p50 {result['p50_ms']} ms  "
        f"p99 {result['p99_ms']} ms  (server p50 {result['server_p50_ms']} ms, "
        f"p99 {result['server_p99_ms']} ms)  statuses {result['statuses']}  "
        f"client failures {result['client_failures'] or 0}  "
        f"CPU: gunicorn {result['cpu_gunicorn']:.0%}, "
        f"client ({result['client']}) {result['cpu_client']:.0%}, "
        f"all {result['cpu_all']:.0%}",
        file=sys.stderr,
    )
    return result


def measure_download(
    server: Gunicorn, token: str, leader: download_phase.LoggedIn, connections: int, args, kind: str
) -> dict:
    """wrk downloads the stored PDF at N connections (timed) while a second wrk runs the submit
    phase at N connections (load; its answered 302s and rate are kept). Both for --seconds, after
    an untimed second of downloads."""
    from concurrent.futures import ThreadPoolExecutor

    report, url, instance = leader.report, leader.url, leader.instance
    copies_before = download_phase.stored_copies(url, instance)
    settings = lua_globals(download_phase.wrk_globals(report, leader.cookie, leader.expected_file))
    target, script = server.base + report.path, settings + download_phase.DOWNLOAD_LUA
    pids = server.pids()
    run_wrk(target, script, "download", connections, 1.0, pids)
    offset = server.access_offset()
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, busy_before, started = cpu_seconds(pids), busy_seconds(), time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        submitting = pool.submit(
            run_wrk_phase, server.base, token, "submit", connections, args.seconds, pids
        )
        download = run_wrk(target, script, "download", connections, args.seconds, pids)
        submit = submitting.result()
    elapsed = time.perf_counter() - started
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (client_after.ru_utime - client_before.ru_utime) + (
        client_after.ru_stime - client_before.ru_stime
    )
    logged = server.server_ms(offset, "GET", report.path)
    cores = os.cpu_count() or 1
    result = {key: download[key] for key in ("per_second", "p50_ms", "p99_ms", "max_ms")} | {
        "server_p50_ms": percentile(logged, 50),
        "server_p99_ms": percentile(logged, 99),
        "requests": download["requests"],
        "stored_bytes_ok": download["ok"],  # 200, application/pdf, the stored bytes
        "statuses": download["statuses"],  # "0": a 200 that was not the stored file
        "server_errors": download["server_errors"],
        "client_failures": download["client_failures"],
        "pdf_kb": round(len(report.pdf) / 1024, 1),
        "respondents": report.respondents,
        "stored_copies_unchanged": download_phase.stored_copies(url, instance) == copies_before,
        "submit_per_second": submit["per_second"],
        "submit_answered_302": submit["ok"],
        "submit_p99_ms": submit["p99_ms"],
        "submit_server_errors": submit["server_errors"],
        "submit_statuses": submit["statuses"],
        # Both wrk runs together: each run's own CPU figures would count the other's too.
        "cpu_client": round(client_cpu / elapsed / cores, 2),
        "cpu_gunicorn": round((cpu_seconds(pids) - server_before) / elapsed / cores, 2),
        "cpu_all": round((busy_seconds() - busy_before) / elapsed / cores, 2),
    }
    # Every download the stored file, nothing rebuilt, submits really ran, no 5xx.
    result["valid"] = (
        result["stored_bytes_ok"] == result["requests"] > 0
        and result["stored_copies_unchanged"]
        and result["submit_answered_302"] > 0
        and result["server_errors"] == result["submit_server_errors"] == 0
    )
    if connections == 8:
        result["target_met"] = (
            result["valid"] and result["p99_ms"] <= TARGETS["download_8"]["p99_ms"]
        )
    print(
        f"{kind:>10} {'download':>10} {connections:>3} conn: {result['per_second']:>6} /s  "
        f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  (server p50 "
        f"{result['server_p50_ms']} ms, p99 {result['server_p99_ms']} ms)  statuses "
        f"{result['statuses']}, stored file {result['stored_bytes_ok']}/{result['requests']}, "
        f"copies unchanged {result['stored_copies_unchanged']}, valid {result['valid']}; "
        f"while submits "
        f"{result['submit_per_second']} /s ({result['submit_answered_302']} answered 302, "
        f"statuses {result['submit_statuses']}); CPU: gunicorn {result['cpu_gunicorn']:.0%}, "
        f"both wrk {result['cpu_client']:.0%}, all {result['cpu_all']:.0%}",
        file=sys.stderr,
    )
    return result


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def ratio_figures(ceiling_runs: list[dict], app_runs: list[dict]) -> dict:
    """The app's submit rate as a share of the ceiling's, from runs taken in turn."""
    ceiling_rate = median([run["per_second"] for run in ceiling_runs])
    app_rate = median([run["per_second"] for run in app_runs])
    return {
        "ceiling_per_second": ceiling_rate,
        "app_per_second": app_rate,
        "ratio": round(app_rate / ceiling_rate, 2) if ceiling_rate else None,
        "ceiling_runs_per_second": [run["per_second"] for run in ceiling_runs],
        "app_runs_per_second": [run["per_second"] for run in app_runs],
        "ceiling_p99_ms": median([run["p99_ms"] for run in ceiling_runs]),
        "app_p99_ms": median([run["p99_ms"] for run in app_runs]),
        "ceiling_server_errors": sum(run["server_errors"] for run in ceiling_runs),
        "app_server_errors": sum(run["server_errors"] for run in app_runs),
    }


def bench_database(kind: str, args) -> dict:
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        database(kind, Path(tmp_name), args.postgres_url, "load") as url,
    ):
        tmp = Path(tmp_name)
        token, round_id = seed(url, tmp / "instance")
        report = None
        if "download" in args.phases:  # built once, before gunicorn starts
            report = download_phase.seed_built_report(
                url, tmp / "instance", args.download_respondents
            )
            expected_file = tmp / "stored-report.pdf"
            expected_file.write_bytes(report.pdf)
        with_ceiling = args.ratio_rounds > 0 and "submit" in args.phases
        if with_ceiling:  # its own round in the same database, so each app's rows are its own
            ceiling_token, ceiling_round_id = seed(url, tmp / "instance", "ceiling@example.com")
        server = Gunicorn(tmp, url, args.workers, args.limiter, args.redis_url)
        ceiling = None
        figures: dict = {
            "workers": args.workers,
            "limiter": args.limiter,
            "load_average_before": round(os.getloadavg()[0], 2),
            "cpu_busy_before": machine_busy(2.0),
        }
        try:
            if with_ceiling:
                ceiling = Gunicorn(
                    tmp, url, args.workers, args.limiter, args.redis_url, app=CEILING_APP
                )
                figures["ratio"] = {}
            figures["page_weight"] = page_weight(server.base, token)
            if report is not None:
                cookie = download_phase.log_in(server.base, report)
                download_phase.check_download(server.base, report, cookie)
                leader = download_phase.LoggedIn(
                    report, cookie, expected_file, url, tmp / "instance"
                )
            for connections in args.connections:
                asyncio.run(
                    run_phase(server.base, token, "respondent", connections, 1.0, server.pids())
                )
                if ceiling is not None:  # its own untimed warm-up
                    ceiling_args = (ceiling.base, ceiling_token, "ceiling", connections, 1.0)
                    if args.client == "wrk":
                        run_wrk_phase(*ceiling_args, ceiling.pids())
                    else:
                        asyncio.run(run_phase(*ceiling_args, ceiling.pids()))
                for phase in args.phases:
                    if phase == "download":
                        figures[f"download_{connections}"] = measure_download(
                            server, token, leader, connections, args, kind
                        )
                        continue
                    if phase != "submit" or ceiling is None:
                        figures[f"{phase}_{connections}"] = measure(
                            server, token, phase, connections, args, kind
                        )
                        continue
                    # Ceiling and app in turn; the first app run is submit_N as before.
                    ceiling_runs, app_runs = [], []
                    for _ in range(args.ratio_rounds):
                        ceiling_runs.append(
                            measure(ceiling, ceiling_token, "ceiling", connections, args, kind)
                        )
                        app_runs.append(measure(server, token, "submit", connections, args, kind))
                    figures[f"submit_{connections}"] = app_runs[0]
                    figures["ratio"][str(connections)] = ratio = ratio_figures(
                        ceiling_runs, app_runs
                    )
                    print(
                        f"{kind:>10} submit at {connections} conn: app {ratio['app_per_second']} "
                        f"/s of ceiling {ratio['ceiling_per_second']} /s (medians) = "
                        f"{ratio['ratio']}",
                        file=sys.stderr,
                    )
        finally:
            log = server.stop()
            ceiling_log = ceiling.stop() if ceiling is not None else ""
            if args.limiter == "redis":
                flush_limiter_keys(args.redis_url, server.key_prefix)
        access = server.access_log.read_text()
        figures["database_is_locked"] = log.count("database is locked")
        figures["tracebacks"] = log.count("Traceback")
        figures["token_in_access_log"] = token in access
        figures["responses_saved"] = count_responses(url, tmp / "instance", round_id)
        # From the access log, not the client: a client stopping at its deadline does not wait
        # for the answers still on their way, which the server saved all the same.
        saved = len(ACCESS_SAVED.findall(access))
        figures["submits_answered_302"] = saved
        if ceiling is not None:
            ceiling_access = ceiling.access_log.read_text()
            ceiling_saved = count_responses(url, tmp / "instance", ceiling_round_id)
            ceiling_302 = len(ACCESS_SAVED.findall(ceiling_access))
            figures["ratio"] |= {
                "app_lost": saved - figures["responses_saved"],
                "ceiling_responses_saved": ceiling_saved,
                "ceiling_answered_302": ceiling_302,
                "ceiling_lost": ceiling_302 - ceiling_saved,
                "ceiling_database_is_locked": ceiling_log.count("database is locked"),
                "ceiling_tracebacks": ceiling_log.count("Traceback"),
                "ceiling_token_in_access_log": ceiling_token in ceiling_access,
            }
        figures["targets_met"] = targets_met(figures)
        print(
            f"{kind:>10} page {figures['page_weight']}; 'database is locked' x "
            f"{figures['database_is_locked']}, tracebacks x {figures['tracebacks']}, "
            f"token in access log: {figures['token_in_access_log']}, responses saved "
            f"{figures['responses_saved']} for {saved} answered submits; targets met: "
            f"{figures['targets_met']}",
            file=sys.stderr,
        )
        if ceiling is not None:
            ratio = figures["ratio"]
            print(
                f"{kind:>10} ceiling: responses saved {ratio['ceiling_responses_saved']} for "
                f"{ratio['ceiling_answered_302']} answered submits, 'database is locked' x "
                f"{ratio['ceiling_database_is_locked']}, tracebacks x "
                f"{ratio['ceiling_tracebacks']}",
                file=sys.stderr,
            )
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_database_arguments(parser)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument(
        "--phases", nargs="+", choices=PHASES, default=list(PHASES), help="default: all"
    )
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="default: as gunicorn_config"
    )
    parser.add_argument("--limiter", choices=["redis", "off"], default="redis")
    parser.add_argument(
        "--ratio-rounds",
        type=int,
        default=2,
        help="ceiling and app submit runs taken in turn per connection level (0: no ceiling)",
    )
    parser.add_argument(
        "--download-respondents",
        type=int,
        default=download_phase.LARGE_ROUND,
        help="the round whose PDF the download phase fetches (default: bench/report.py's large)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument(
        "--client", choices=["wrk", "aiohttp"], default="wrk", help="for page and submit"
    )
    args = parser.parse_args()
    if (args.client == "wrk" or "download" in args.phases) and shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk); or use --client aiohttp")
    machine = yardstick(args.redis_url)
    print(
        f"machine: 2,000,000-step Python loop {machine['python_loop_ms']} ms, "
        f"Redis round trip {machine['redis_round_trip_us']:.0f} µs (median)",
        file=sys.stderr,
    )
    results = {"machine": machine, "client": args.client}
    results |= {kind: bench_database(kind, args) for kind in args.databases}
    results["targets"] = TARGETS
    print(json.dumps(results))


if __name__ == "__main__":
    main()
