"""How fast posters render, and whether memory stays flat as the batch grows.

    .venv/bin/python bench/posters.py [--counters 1000] [--small 250] [--size A4]

Builds a temporary SQLite database with two provinces (`--counters` and `--small` counters, 20
per commune), renders each province's batch exactly as `hailong posters` does (keyset pages from
the database, chunks streamed into the PDF), and prints posters per second and the peak memory
of each batch: Python's allocations (tracemalloc, reset between batches) and the process's
resident set (ru_maxrss, which only ever grows, so the small batch runs first). If memory does
not grow with the batch, the large batch's peak is close to the small one's.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hailong import migrate
from hailong.counters import service as counters
from hailong.db import make_engine, make_sessionmaker, unit_of_work
from hailong.models import Unit
from hailong.settings import Settings
from hailong.units.service import set_parent
from qr import service
from qr.content import PosterFrame, PosterSize, configured_channels
from qr.posters import write_posters

COUNTERS_PER_COMMUNE = 20


@dataclass(frozen=True)
class Run:
    posters: int
    seconds: float
    # CPU time of this process: on a shared machine, wall time also counts others' work.
    cpu_seconds: float
    pdf_bytes: int
    # Peak of Python's allocations during the batch (tracemalloc), when traced.
    traced_peak: int
    # The process's peak resident set after the batch (never goes down).
    maxrss: int


def build_province(session_factory: sessionmaker[Session], code: str, counters_wanted: int) -> None:
    with unit_of_work(session_factory) as session:
        province = Unit(code=code, name=f"Tỉnh Thử Nghiệm {code}", level="province")
        session.add(province)
        set_parent(session, province, None)
        made = 0
        commune_number = 0
        while made < counters_wanted:
            commune_number += 1
            commune = Unit(
                code=f"{code}-{commune_number}",
                name=f"Xã Hà Đông {commune_number}",
                level="commune",
            )
            session.add(commune)
            set_parent(session, commune, province)
            for number in range(min(COUNTERS_PER_COMMUNE, counters_wanted - made)):
                counters.add_counter(session, unit=commune, name=f"Quầy số {number + 1}")
                made += 1


def render(settings: Settings, unit_code: str, size: PosterSize, out_dir: Path) -> Run:
    """One batch as `hailong posters` renders it; traced if tracemalloc is running."""
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)

    def transaction() -> AbstractContextManager[Session]:
        return unit_of_work(sessions)

    frame = PosterFrame(size=size, channels=configured_channels(settings))
    path = out_dir / f"{unit_code}.pdf"
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with path.open("wb") as out:
        posters = service.unit_posters(transaction, unit_code, base_url=settings.public_base_url)
        count = write_posters(out, posters, frame)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    traced_peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
    engine.dispose()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return Run(count, seconds, cpu_seconds, path.stat().st_size, traced_peak, maxrss)


def mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--counters", type=int, default=1000)
    parser.add_argument("--small", type=int, default=250)
    parser.add_argument("--size", choices=[s.value for s in PosterSize], default="A4")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    size = PosterSize(args.size)
    with tempfile.TemporaryDirectory() as directory:
        out_dir = Path(directory)
        url = f"sqlite:///{out_dir / 'bench.db'}"
        migrate.upgrade(url)
        settings = Settings(
            database_url=url,
            base_url="https://khaosat.example.gov.vn",
            telegram_token="0:bench",
            telegram_bot_username="hailong_bench_bot",
        )
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        build_province(factory, "SMALL", args.small)
        build_province(factory, "LARGE", args.counters)
        engine.dispose()
        # Fonts, catalogs and imports are loaded once per process: not part of either batch.
        render(settings, "SMALL", size, out_dir)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        # Plain runs for speed and resident memory (small first: max RSS only grows)...
        small = render(settings, "SMALL", size, out_dir)
        large = render(settings, "LARGE", size, out_dir)
        # ...then traced runs for Python's own peak (tracemalloc slows rendering down).
        tracemalloc.start()
        small_traced = render(settings, "SMALL", size, out_dir).traced_peak
        large_traced = render(settings, "LARGE", size, out_dir).traced_peak
        tracemalloc.stop()
    for name, run, traced in (("small", small, small_traced), ("large", large, large_traced)):
        print(
            f"{name} batch: {run.posters} {size.value} posters in {run.seconds:.1f} s "
            f"(CPU {run.cpu_seconds:.1f} s) = {run.posters / run.seconds:.1f} posters/s, "
            f"PDF {mib(run.pdf_bytes)}, "
            f"peak traced {mib(traced)}, max RSS {mib(run.maxrss)}"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{large.posters / small.posters:.1f}x the posters: peak traced memory x"
        f"{large_traced / small_traced:.2f}, max RSS {mib(baseline)} after warm-up -> "
        f"{mib(small.maxrss)} after the small batch -> {mib(large.maxrss)} after the large one"
    )


if __name__ == "__main__":
    main()
