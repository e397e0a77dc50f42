"""The national index at scale, on PostgreSQL.

Creates a fresh database, loads the post-2025 country (34 provinces, 3,321 communes, from the
`vietnam-provinces` package), writes N responses (19 criteria each) as a responses CSV and runs
the real `hailong import responses` on it (import rate, peak memory of the importing process),
then prints the time of the national index from the tallies, the time of the same result
computed by one raw SQL GROUP BY over the answers, and their ratio. Drops the database at the end.

    .venv/bin/python bench/national_index.py                    # 1,000,000 responses
    .venv/bin/python bench/national_index.py --responses 50000  # a quick run
    .venv/bin/python bench/national_index.py --reuse hailong_bench_xxxxxxxx --no-check
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from scratch import create_database, drop_database  # bench/scratch.py, beside this script
from sqlalchemy import insert
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from hailong import migrate
from hailong.db import make_engine, make_sessionmaker, normalise_url
from hailong.index.presenting import index_json
from hailong.index.service import compute_index
from hailong.models import Period, Procedure, Unit
from hailong.questionnaires.service import get_or_load
from hailong.responses.csvformat import BOM, COLUMNS
from hailong.tallies import verify

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026"
START, END = date(2026, 1, 1), date(2026, 12, 31)
# Ngô Quyền 2023 counts e-mail and enumerators' forms as official; paper forms are keyed in.
OFFICIAL = ["email", "interview", "paper"]
CHANNELS = (
    (["paper"] * 45) + (["web"] * 30) + (["telegram"] * 10) + (["zalo"] * 10) + (["interview"] * 5)
)
PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch"),
    ("1.004227", "Cấp bản sao trích lục hộ tịch", "Hộ tịch"),
    ("2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực"),
    ("2.000884", "Chứng thực chữ ký", "Chứng thực"),
    ("1.001612", "Đăng ký thường trú", "Cư trú"),
    ("1.003583", "Đăng ký tạm trú", "Cư trú"),
    ("1.001757", "Xác nhận tình trạng hôn nhân", "Hộ tịch"),
    ("1.008004", "Đăng ký hộ kinh doanh", "Thành lập và hoạt động hộ kinh doanh"),
]
CRITERIA = (
    "A1",
    "A2",
    "A3",
    "A4",
    "B1",
    "B2",
    "B3",
    "B4",
    "C1",
    "C2",
    "C3",
    "C4",
    "C5",
    "D1",
    "D2",
    "D3",
)


def _say(message: str) -> None:
    print(message, flush=True)


def load_country(session: Session) -> list[str]:
    """34 provinces and their 3,321 communes; returns the commune codes."""
    provinces = {}
    for province in Province.iter_all():
        unit = Unit(code=f"{province.code.value:02d}", name=province.name, level="province")
        session.add(unit)
        provinces[province.code] = unit
    session.flush()
    for unit in provinces.values():
        unit.path = f"/{unit.id}/"
    rows = []
    for ward in Ward.iter_all():
        parent = provinces[ward.province_code]
        rows.append(
            {
                "code": f"{ward.code.value:05d}",
                "name": ward.name,
                "level": "commune",
                "parent_id": parent.id,
                "path": parent.path,  # completed below, once the id is known
            }
        )
    session.execute(insert(Unit), rows)
    session.flush()
    session.execute(
        Unit.__table__.update()
        .where(Unit.level == "commune")
        .values(path=Unit.path + Unit.id.cast(Unit.path.type) + "/")
    )
    return sorted(row["code"] for row in rows)


def prepare(url: str) -> list[str]:
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        communes = load_country(session)
        version = get_or_load(session, "sipas-2023")
        session.add(
            Period(
                code=PERIOD,
                start_date=START,
                end_date=END,
                questionnaire_id=version.id,
                default_quota=300,
                official_channels=OFFICIAL,
                rollup_rule="mean_of_units",
                counted_review_states=["received", "has_issues", "approved"],
            )
        )
        for code, name, field in PROCEDURES:
            session.add(Procedure(code=code, name=name, field=field, all_units=True))
    engine.dispose()
    return communes


def _score(rng: random.Random, mood: float) -> str:
    if rng.random() < 0.03:
        return ""  # left unanswered
    value = min(5, max(1, round(rng.gauss(mood, 0.9))))
    return str(value)


def form_rows(communes: list[str], total: int, seed: int = 2026) -> Iterator[list[str]]:
    """Plausible keyed-in forms, commune after commune (as a ward's file would come)."""
    rng = random.Random(seed)
    per_commune = [total // len(communes)] * len(communes)
    for index in rng.sample(range(len(communes)), total % len(communes)):
        per_commune[index] += 1
    start = datetime(2026, 1, 2, 8, 0)
    serial = 0
    for commune, count in zip(communes, per_commune, strict=True):
        mood = rng.uniform(3.2, 4.6)
        for _ in range(count):
            serial += 1
            feedback = rng.random() < 0.3
            moment = start + timedelta(minutes=rng.randrange(0, 340 * 24 * 60))
            row = {
                "form_id": f"PG-{serial:07d}",
                "unit_code": commune,
                "period": PERIOD,
                "channel": rng.choice(CHANNELS),
                "submitted_at": moment.isoformat(timespec="minutes"),
                "procedure_code": rng.choice(PROCEDURES)[0] if rng.random() < 0.9 else "",
                "respondent_type": rng.choice(["individual", "individual", "organisation", ""]),
                "gender": rng.choice(["male", "female", ""]),
                "age_group": rng.choice(["18_24", "25_34", "35_49", "50_60", "over_60", ""]),
                "education": rng.choice(["upper_secondary", "university", "vocational", ""]),
                "received_result": "yes",
                "gave_feedback": "yes" if feedback else "no",
                "harassment": rng.choice("1111111112"),
                "extra_payment": rng.choice("111111111123"),
                "priorities": ";".join(
                    rng.sample(["P1", "P2", "P3", "P4", "P5", "P6", "P7"], rng.randrange(0, 4))
                ),
                "comment": "Cán bộ nhiệt tình." if rng.random() < 0.05 else "",
            }
            for key in CRITERIA:
                row[key] = _score(rng, mood)
            for key in ("E1", "E2", "E3"):
                row[key] = _score(rng, mood) if feedback else ""
            yield [row[column] for column in COLUMNS]


def write_csv(path: Path, rows: Iterator[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(BOM)
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


class MemoryWatch:
    """Samples a process's resident memory once a second (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = time.perf_counter()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    self.samples.append((time.perf_counter() - self._start, rss))

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def hailong_command(url: str, arguments: list[str]) -> tuple[list[str], dict[str, str]]:
    """The installed `hailong` command with its arguments, and its environment for `url`."""
    command = [str(ROOT / ".venv" / "bin" / "hailong"), *arguments]
    return command, dict(os.environ, HAILONG_DATABASE_URL=url)


def run_import(url: str, path: Path, log: Path) -> tuple[float, MemoryWatch, int]:
    """Run `hailong import responses` as an operator would; (seconds, RSS samples, peak RSS)."""
    command, environment = hailong_command(url, ["import", "responses", str(path)])
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
        with MemoryWatch(process.pid) as watch:
            _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"import failed ({code}); see {log}")
    return elapsed, watch, usage.ru_maxrss * 1024  # Linux reports kilobytes


def command_seconds(url: str, arguments: list[str], runs: int) -> float:
    """The best wall time of a `hailong` command, run as an operator would, output discarded."""
    command, environment = hailong_command(url, arguments)
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def report_command(url: str, runs: int) -> None:
    index = ["index", "--period", PERIOD, "--channels", "all", "--format", "json"]
    whole = command_seconds(url, index, runs)
    start_up = command_seconds(url, ["--help"], runs)
    _say(
        f"`hailong {' '.join(index)}` as a command: {whole:.2f} s, of which "
        f"{start_up:.2f} s is starting Python and the CLI (`hailong --help`), best of {runs}"
    )


def timed(runs: int, action: Callable[[], Any]) -> tuple[list[float], Any]:
    """Each run's seconds, and the last run's result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return times, result


def measure_index(url: str, runs: int, baseline_runs: int, check: bool) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    def index(source: str, channels: str) -> Callable[[], Any]:
        def run() -> Any:
            with sessions() as session:
                period = session.query(Period).filter_by(code=PERIOD).one()
                return index_json(compute_index(session, period, channels=channels, source=source))

        return run

    for channels in ("all", "official"):
        fast, from_tallies = timed(runs, index("tallies", channels))
        slow, from_answers = timed(baseline_runs, index("answers", channels))
        same = "same result" if from_tallies == from_answers else "RESULTS DIFFER"
        _say(
            f"national index, {channels} channels: from tallies {min(fast):.3f} s "
            f"(best of {len(fast)}: {' / '.join(f'{t:.3f}' for t in fast)}); "
            f"raw GROUP BY over answers {min(slow):.3f} s (best of {len(slow)}); "
            f"ratio {min(slow) / min(fast):.1f}x ({same}); "
            f"SIPAS {from_tallies['sipas']}, responses {from_tallies['responses']:,}"
        )
    report_command(url, runs)
    if not check:
        engine.dispose()
        return
    with sessions() as session:
        period = session.query(Period).filter_by(code=PERIOD).one()
    with sessions() as session:
        # A transaction of its own: verify.check asks for a REPEATABLE READ snapshot first.
        started = time.perf_counter()
        differences = verify.check(session, period)
        _say(
            f"hailong tallies check: {len(differences)} differences "
            f"({time.perf_counter() - started:.1f} s)"
        )
    engine.dispose()


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def report_import(count: int, elapsed: float, watch: MemoryWatch, peak: int) -> None:
    _say(f"import: {count:,} responses in {elapsed:.1f} s = {count / elapsed:,.0f} responses/s")
    line = f"import memory: peak RSS of the importing process {_mib(peak)}"
    if watch.samples:
        quarters = [watch.samples[int(len(watch.samples) * q) - 1][1] for q in (0.25, 0.5, 1.0)]
        line += "; RSS at 25% / 50% / 100% of the run " + " / ".join(_mib(q) for q in quarters)
    _say(line)


def checks_path(url: str) -> str:
    """Which way the import writes (see hailong.bulk.triggers_off)."""
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            "SELECT has_parameter_privilege('session_replication_role', 'SET')"
        ).fetchone()
    if row and row[0]:
        return "this role may turn foreign-key triggers off: references are locked instead"
    return "this role may not turn foreign-key triggers off: every row is checked"


def _load() -> str:
    """The machine's state, since other work on it changes every timing."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    parser.add_argument("--runs", type=int, default=3, help="index timings: best of RUNS")
    parser.add_argument(
        "--baseline-runs", type=int, default=1, help="the raw GROUP BY: best of RUNS (slow)"
    )
    parser.add_argument(
        "--no-check", action="store_true", help="skip `hailong tallies check` (minutes at 1M)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the CSV")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time the index on a database an earlier --keep run left (no import)",
    )
    args = parser.parse_args()

    if args.reuse:
        url = normalise_url(args.postgres.rsplit("/", 1)[0] + "/" + args.reuse)
        _say(f"database {args.reuse}, kept by an earlier run; before the index: {_load()}")
        measure_index(url, args.runs, args.baseline_runs, not args.no_check)
        return
    name, url = create_database(args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="hailong-bench-"))
    try:
        url = normalise_url(url)
        migrate.upgrade(url)
        communes = prepare(url)
        _say(f"database {name}: {len(communes):,} communes in 34 provinces")
        csv_path = workdir / "forms.csv"
        started = time.perf_counter()
        write_csv(csv_path, form_rows(communes, args.responses))
        size = csv_path.stat().st_size
        _say(
            f"wrote {args.responses:,} forms ({size / 2**20:.0f} MiB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        _say(f"before the import: {_load()}; {checks_path(url)}")
        elapsed, watch, peak = run_import(url, csv_path, workdir / "import.log")
        report_import(args.responses, elapsed, watch, peak)
        _say(f"before the index: {_load()}")
        measure_index(url, args.runs, args.baseline_runs, not args.no_check)
    finally:
        if args.keep:
            _say(f"kept database {name} and {workdir}")
        else:
            drop_database(args.postgres, name)
            for path in workdir.iterdir():
                path.unlink()
            workdir.rmdir()


if __name__ == "__main__":
    main()
