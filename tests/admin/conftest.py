"""The `hailong` administration commands, run as an operator would, against a real database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from hailong.cli import build_cli

BASE_URL = "https://khaosat.example.vn"
Hailong = Callable[..., Result]


@pytest.fixture
def hailong(database_url: str) -> Hailong:
    """Run `hailong ARGS...` in-process with HAILONG_* pointing at this test's database."""
    app = build_cli()
    # Only our settings: a developer's own HAILONG_* variables must not leak into a test.
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env.update(HAILONG_DATABASE_URL=database_url, HAILONG_BASE_URL=BASE_URL)

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env=env, input=input)

    return run


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write lines (or raw bytes) to a CSV file of this test."""
    counter = iter(range(1000))

    def write(*lines: str, raw: bytes | None = None) -> Path:
        path = tmp_path / f"file-{next(counter)}.csv"
        path.write_bytes(raw if raw is not None else ("\n".join(lines) + "\n").encode("utf-8"))
        return path

    return write
