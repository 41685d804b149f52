"""A throw-away database for a benchmark: a temporary SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
