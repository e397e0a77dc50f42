"""Scratch PostgreSQL databases for the benchmarks: made fresh, dropped at the end (or kept)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def create_database(admin_url: str, prefix: str = "hailong_bench") -> tuple[str, str]:
    """A new empty database beside `admin_url`'s; (its name, its URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database() -> Iterator[str]:
    """The URL of a SQLite file in a temporary directory, removed at the end."""
    with tempfile.TemporaryDirectory(prefix="hailong-bench-") as scratch:
        yield f"sqlite:///{Path(scratch) / 'bench.db'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """The URL of a new PostgreSQL database beside `admin_url`'s, dropped at the end."""
    name, url = create_database(admin_url)
    try:
        yield url
    finally:
        drop_database(admin_url, name)
