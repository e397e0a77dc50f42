"""Scratch PostgreSQL databases for the benchmarks: made fresh, dropped at the end (or kept)."""

from __future__ import annotations

import uuid

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
