"""Downloads at scale, on PostgreSQL: do they stream (flat memory) and how fast are they?

Creates a fresh database with 34 provinces of 98 communes each (3,366 units) and two periods
holding N/10 and N completed responses (23 answers each, written with COPY); rebuilds the
tallies of the small period (for the index and the report); then runs each `hailong download`
command in a fresh process that reports its own wall time and peak memory (ru_maxrss), both
measured after the imports. The small period is the baseline of the same run: a streamed
download's peak memory must not grow with the number of rows, so the large/small ratio of peak
memory should stay near 1 while the time ratio follows the rows. Drops the database at the end.

    .venv/bin/python bench/downloads.py                      # N = 200,000
    .venv/bin/python bench/downloads.py --responses 20000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from scratch import create_database, drop_database  # bench/scratch.py, beside this script

from hailong import migrate
from hailong.db import make_engine, make_sessionmaker, normalise_url
from hailong.models import Period, Unit
from hailong.questionnaires.service import get_or_load
from hailong.tallies import verify

ROOT = Path(__file__).resolve().parent.parent
PROVINCES, COMMUNES = 34, 98
SMALL, LARGE = "small", "large"
CRITERIA = [
    f"{element}{n}"
    for element, size in zip("ABCD", (4, 4, 5, 3), strict=True)
    for n in range(1, size + 1)
]
CHANNELS = ("web", "paper", "telegram", "interview")
# Runs one `hailong` command in this process and prints its wall time and its peak memory,
# both measured from after the imports (a fresh interpreter's imports are not the download's).
CHILD = """
import json, resource, sys, time
from hailong.cli import build_cli
app = build_cli()
import hailong.reports.index_xlsx, hailong.reports.report_pdf, openpyxl, reportlab.platypus
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
app(sys.argv[1:], standalone_mode=False)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "start_kb": before}), file=sys.stderr)
"""


def say(message: str) -> None:
    print(message, flush=True)


def load_tree(url: str) -> tuple[list[int], int]:
    """Provinces and communes; returns the communes' ids and the questionnaire's id."""
    communes: list[int] = []
    with make_sessionmaker(make_engine(url)).begin() as session:
        for p in range(1, PROVINCES + 1):
            province = Unit(code=f"{p:02d}", name=f"Tỉnh số {p}", level="province")
            session.add(province)
            session.flush()
            province.path = f"/{province.id}/"
            wards = [
                Unit(code=f"{p:02d}{c:03d}", name=f"Phường số {c}", level="commune")
                for c in range(1, COMMUNES + 1)
            ]
            session.add_all(wards)
            session.flush()
            for ward in wards:
                ward.parent_id = province.id
                ward.path = f"{province.path}{ward.id}/"
                communes.append(ward.id)
        version = get_or_load(session, "sipas-2023")
        for code in (SMALL, LARGE):
            session.add(
                Period(
                    code=code,
                    start_date=date(2026, 1, 1),
                    end_date=date(2026, 12, 31),
                    questionnaire_id=version.id,
                    default_quota=30,
                    official_channels=["web", "paper", "interview"],
                    rollup_rule="mean_of_units",
                    counted_review_states=["received", "has_issues", "approved"],
                )
            )
        session.flush()
        return communes, version.id


def answers(rng: random.Random) -> list[tuple[str, str]]:
    base = rng.choice("2345")
    given = [(key, rng.choice(base + "45")) for key in CRITERIA]
    return [
        ("received_result", "yes"),
        ("procedure", "other"),
        *given,
        ("gave_feedback", "no"),
        ("harassment", rng.choice("1112")),
        ("extra_payment", rng.choice("1111123")),
        ("priorities", ";".join(rng.sample(["P1", "P2", "P3", "P4", "P5", "P6", "P7"], 2))),
        ("respondent_type", "individual"),
    ]


def copy_responses(url: str, period_code: str, count: int, first_id: int, units: list[int]) -> int:
    """COPY `count` completed responses and their answers; returns the next free response id."""
    rng = random.Random(period_code)
    start = datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    with psycopg.connect(normalise_url(url).replace("+psycopg", "")) as connection:
        period_id, questionnaire_id = connection.execute(
            "SELECT id, questionnaire_id FROM period WHERE code = %s", (period_code,)
        ).fetchone()  # type: ignore[misc]
        with connection.cursor() as cursor:
            columns = (
                "id, public_id, unit_id, period_id, questionnaire_id, channel, status, "
                "review_state, language, started_at, updated_at, submitted_at"
            )
            with cursor.copy(f"COPY response ({columns}) FROM STDIN") as copy:
                for n in range(count):
                    moment = start + timedelta(minutes=n % 300_000)
                    copy.write_row(
                        (first_id + n, str(uuid.uuid4()), rng.choice(units), period_id,
                         questionnaire_id, rng.choice(CHANNELS), "completed", "received", "vi",
                         moment, moment, moment)
                    )  # fmt: skip
            with cursor.copy(
                "COPY answer (response_id, question_key, value, answered_at) FROM STDIN"
            ) as copy:
                for n in range(count):
                    for key, value in answers(rng):
                        copy.write_row((first_id + n, key, value, start))
            connection.execute(
                "SELECT setval(pg_get_serial_sequence('response', 'id'), %s)",
                (first_id + count,),
            )
        connection.commit()
        # As autovacuum would soon after a bulk load: without statistics the planner may scan
        # the whole answer table for each chunk of a download.
        connection.execute("ANALYZE response")
        connection.execute("ANALYZE answer")
    return first_id + count


def rebuild_tallies(url: str, period_code: str) -> float:
    started = time.perf_counter()
    with make_sessionmaker(make_engine(url)).begin() as session:
        period = session.query(Period).filter_by(code=period_code).one()
        verify.rebuild(session, period)
    return time.perf_counter() - started


def run(url: str, *args: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env["HAILONG_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"hailong {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stderr.strip().splitlines()[-1])


def megabytes(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def responses_bench(url: str, folder: Path, small: int, large: int) -> None:
    for suffix in ("csv", "xlsx"):
        figures = {}
        for period, rows in ((SMALL, small), (LARGE, large)):
            target = folder / f"responses-{period}.{suffix}"
            figures[period] = run(
                url, "download", "responses", "--period", period, "-o", str(target)
            )
            seconds = figures[period]["seconds"]
            grown = figures[period]["peak_kb"] - figures[period]["start_kb"]
            say(
                f"responses {suffix:4} {rows:>9,} rows: {seconds:7.2f} s, {rows / seconds:>9,.0f} "
                f"rows/s, peak {megabytes(figures[period]['peak_kb'])} "
                f"(+{megabytes(grown)} over the imports), file "
                f"{target.stat().st_size / 1e6:.1f} MB"
            )
        memory = figures[LARGE]["peak_kb"] / figures[SMALL]["peak_kb"]
        speed = figures[LARGE]["seconds"] / figures[SMALL]["seconds"]
        say(
            f"responses {suffix:4} large/small: rows x{large / small:.0f}, time x{speed:.1f}, "
            f"peak memory x{memory:.2f}"
        )


def index_bench(url: str, folder: Path) -> None:
    for args in (
        ("index", "--period", SMALL, "-o", str(folder / "index.csv")),
        ("index", "--period", SMALL, "-o", str(folder / "index.xlsx")),
        ("report", "--period", SMALL, "--unit", "01", "-o", str(folder / "report.pdf")),
    ):
        figures = run(url, "download", *args)
        grown = figures["peak_kb"] - figures["start_kb"]
        say(
            f"download {' '.join(args[:3])} {Path(args[-1]).suffix}: {figures['seconds']:.2f} s, "
            f"peak {megabytes(figures['peak_kb'])} (+{megabytes(grown)} over the imports)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    options = parser.parse_args()
    large, small = options.responses, max(options.responses // 10, 1)
    name, url = create_database(options.admin_url, "hailong_bench_dl")
    try:
        migrate.upgrade(url)
        communes, _ = load_tree(url)
        say(f"units: {PROVINCES} provinces, {len(communes):,} communes")
        started = time.perf_counter()
        next_id = copy_responses(url, SMALL, small, 1, communes)
        copy_responses(url, LARGE, large, next_id, communes)
        say(f"wrote {small + large:,} responses (COPY) in {time.perf_counter() - started:.1f} s")
        # The index reads tallies, whose size grows with units, not responses: the small
        # period's tallies already hold most (unit, channel, question) rows.
        say(f"tallies rebuilt for {small:,} responses in {rebuild_tallies(url, SMALL):.1f} s")
        with tempfile.TemporaryDirectory() as scratch:
            responses_bench(url, Path(scratch), small, large)
            index_bench(url, Path(scratch))
    finally:
        if options.keep:
            say(f"kept: {url}")
        else:
            drop_database(options.admin_url, name)


if __name__ == "__main__":
    main()
