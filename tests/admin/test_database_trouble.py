"""A command run against a database without tables, or one that is down, says what to do in
Vietnamese and English, without a traceback and without the database's URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HAILONG = str(Path(sys.executable).with_name("hailong"))


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, HAILONG_DATABASE_URL=database_url)
    return subprocess.run(
        [HAILONG, *args], env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_database_without_tables_asks_for_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "never-migrated.db"
    path.touch()  # an empty SQLite database: a file without tables
    url = f"sqlite:///{path}"

    result = run(url, "index", "--period", "2026")

    assert result.returncode == 1
    assert "Cơ sở dữ liệu chưa có bảng" in result.stderr
    assert "run `hailong db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_is_down_is_named_without_its_password() -> None:
    # Nothing listens on port 1.
    url = "postgresql://hailong:s3cret-pass@127.0.0.1:1/hailong"

    result = run(url, "tallies", "check")

    assert result.returncode == 1
    assert "Không kết nối được tới cơ sở dữ liệu" in result.stderr
    assert "Check HAILONG_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret-pass" not in result.stderr + result.stdout
