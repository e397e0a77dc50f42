"""A province from nothing to posters, as the README tells a newcomer: how long each command takes.

    .venv/bin/python bench/province.py [--province 01] [--province 79] [--per-unit 2]
                                       [--postgres postgresql://127.0.0.1:5432/test]

For each province, in a fresh directory (a fresh SQLite file, or with --postgres a fresh
PostgreSQL database made on that server and dropped afterwards), runs the real `hailong`
command for each step of README's "A province from nothing to posters" and prints the wall time
of each, their total, and the total as a multiple of a bare `hailong --help` (the cost of
starting the command at all, measured in the same run). The target: under a minute of command
time for the largest province (Thành phố Hồ Chí Minh has the most communes, 168; Hà Nội 126).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HAILONG = str(Path(sys.executable).with_name("hailong"))
BASE_URL = "https://khaosat.example.gov.vn"


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float


def run(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [HAILONG, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hailong {' '.join(args)} failed:\n{done.stderr}")
    return seconds


def steps(province: str, per_unit: int) -> list[tuple[str, list[str]]]:
    year = date.today().year
    return [
        ("db upgrade", ["db", "upgrade"]),
        ("import units", ["import", "units", "--official", "--province", province]),
        (
            "periods add",
            [
                "periods",
                "add",
                "--code",
                str(year),
                "--start",
                f"{year}-01-01",
                "--end",
                f"{year}-12-31",
            ],
        ),
        (
            "counters add",
            ["counters", "add", "--unit", province, "--subtree", "--per-unit", str(per_unit)],
        ),
        ("posters", ["posters", "--unit", province, "-o", f"posters-{province}.pdf"]),
    ]


@contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    if postgres is None:
        yield f"sqlite:///{folder / 'hailong.db'}"
        return
    import psycopg

    name = f"hailong_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def province_run(province: str, per_unit: int, postgres: str | None) -> tuple[list[Step], int]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        with database(postgres, folder) as url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
            env.update(HAILONG_DATABASE_URL=url, HAILONG_BASE_URL=BASE_URL)
            timed = [Step(name, run(args, env, folder)) for name, args in steps(province, per_unit)]
            pages = _pages(folder / f"posters-{province}.pdf")
    return timed, pages


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--province", action="append", help="official code (default: 01, 79)")
    parser.add_argument("--per-unit", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (default: SQLite)")
    args = parser.parse_args()
    provinces = args.province or ["01", "79"]
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as directory:
        start_up = min(run(["--help"], dict(os.environ), Path(directory)) for _ in range(3))
    print(f"baseline: `hailong --help` takes {start_up:.2f} s")
    engine = "PostgreSQL" if args.postgres else "SQLite"
    for province in provinces:
        timed, pages = province_run(province, args.per_unit, args.postgres)
        total = sum(step.seconds for step in timed)
        shown = ", ".join(f"{step.name} {step.seconds:.2f} s" for step in timed)
        print(f"province {province} on {engine}, {args.per_unit} counters per unit: {shown}")
        print(
            f"  total {total:.1f} s of command time for {pages} posters "
            f"= {total / start_up:.1f}x a bare start; "
            f"{'under' if total < 60 else 'OVER'} the one-minute target"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
