"""How long an unknown, a replaced and a revoked short code (and token) take to answer, and
how far one guesser gets before the guessing limit stops it.

    .venv/bin/python bench/guessing.py [--requests 400] [--postgres postgresql://127.0.0.1:5432/test]

For SQLite and then PostgreSQL (a temporary database each), the real app answers in process
(Starlette's TestClient; each timed request from an address of its own, so the limit does not
interfere). Requests of the kinds are interleaved and the median of each is printed, with its
ratio to the unknown code's: near 1.00 means timing does not tell a revoked code from one that
never existed. Then one address guesses random short codes until it is refused, and the bench
prints how many guesses it had and the refusal's Retry-After.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from scratch import create_database, drop_database  # bench/scratch.py, beside this script

from hailong import migrate
from hailong.app import create_app
from hailong.counters import service as counters
from hailong.counters.tokens import new_short_code, new_token
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Counter, Unit
from hailong.settings import Settings


def seed(url: str, counters_count: int = 2000) -> dict[str, tuple[str, str]]:
    """Many live counters (as a province has), one replaced and one revoked: their codes."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        unit = Unit(code="31", name="Thành phố Hải Phòng", level="province")
        session.add(unit)
        session.flush()
        for n in range(counters_count):
            counters.add_counter(session, unit=unit, name=f"Quầy {n}")
        replaced = session.get(Counter, 1)
        revoked = session.get(Counter, 2)
        assert replaced is not None and revoked is not None
        old = counters.current_token(session, replaced)
        assert old is not None
        counters.rotate(session, replaced)
        gone = counters.current_token(session, revoked)
        assert gone is not None
        counters.revoke(session, revoked)
        kinds = {
            "unknown": (new_token(), new_short_code()),
            "replaced": (old.token, old.short_code),
            "revoked": (gone.token, gone.short_code),
        }
    engine.dispose()
    return kinds


def timings(app: FastAPI, kinds: dict[str, tuple[str, str]], requests: int) -> None:
    addresses = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))
    for label, index, prefix in (("short code", 1, "/c/"), ("token", 0, "/q/")):
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(requests):
            for kind, codes in kinds.items():
                # Each request from an address of its own: the guessing limit stays out of it.
                client = TestClient(app, client=(next(addresses), 1), follow_redirects=False)
                started = time.perf_counter()
                client.get(prefix + codes[index])
                times[kind].append(time.perf_counter() - started)
        base = statistics.median(times["unknown"])
        for kind, seen in times.items():
            median = statistics.median(seen)
            print(
                f"  {label:10} {kind:8} median {median * 1000:6.2f} ms  ratio {median / base:.2f}"
            )


def guesser(settings: Settings) -> None:
    with TestClient(create_app(settings), client=("203.0.113.9", 1)) as client:
        started = time.perf_counter()
        for guesses in itertools.count(1):
            response = client.get(f"/c/{new_short_code()}")
            if response.status_code == 429:
                seconds = time.perf_counter() - started
                print(
                    f"  one address: refused after {guesses - 1} guesses ({seconds:.2f} s), "
                    f"Retry-After {response.headers['retry-after']} s"
                )
                return


def run(url: str, requests: int) -> None:
    migrate.upgrade(url)
    kinds = seed(url)
    settings = Settings(database_url=url, secret_key="bench", redis_url=None)
    app = create_app(settings)
    timings(app, kinds, requests)
    app.state.context.engine.dispose()
    guesser(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.requests)
    name, url = create_database(args.postgres)
    try:
        print("PostgreSQL")
        run(url, args.requests)
    finally:
        drop_database(args.postgres, name)


if __name__ == "__main__":
    main()
