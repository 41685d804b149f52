"""The benchmarks still start the app as it is now: their secret key passes the 32-byte check,
and the Host they send (loopback) is trusted. Small runs only; the figures are not checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


def test_the_load_benchmark_seeds_its_round_and_serves_its_survey(bench_on_path, tmp_path):
    import load

    url = f"sqlite:///{tmp_path / 'load.sqlite'}"
    token, round_id = load.seed(url, tmp_path / "instance")
    assert load.count_responses(url, tmp_path / "instance", round_id) == 0

    from feedback360 import create_app

    app = create_app(
        {
            "INSTANCE_PATH": tmp_path / "instance",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": load.SECRET_KEY,
        }
    )
    page = app.test_client().get(f"/s/{token}", base_url=f"http://127.0.0.1:{load.free_port()}")
    assert page.status_code == 200 and load.CSRF_FIELD.search(page.text)


def test_the_aggregate_benchmark_runs(tmp_path):
    run = subprocess.run(
        [sys.executable, str(BENCH / "aggregate.py"), "--databases", "sqlite"]
        + ["--responses", "12", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["sqlite"]["responses"] == 12
