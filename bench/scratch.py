"""What the benchmarks share: a throw-away database (a temporary SQLite file, or a PostgreSQL
schema), their secret key, and where a form's CSRF token is."""

from __future__ import annotations

import os
import re
import uuid
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# One fixed key for every benchmark's app and gunicorn: at least 32 bytes, or create_app refuses
# it (feedback360.keys.MIN_SECRET_KEY_BYTES).
SECRET_KEY = "feedback360-bench-secret-key-not-for-production"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def database(kind: str, tmp: Path, postgres_url: str, name: str) -> Iterator[str]:
    """A URL for an empty database of this kind, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'{name}.sqlite'}"
        return
    import psycopg

    schema = f"f360_{name}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def add_database_arguments(parser: ArgumentParser) -> None:
    """--databases and --postgres-url, as every benchmark takes them."""
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FEEDBACK360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a database to create a throw-away schema in",
    )
