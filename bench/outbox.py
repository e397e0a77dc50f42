"""Messages per second through the outbox worker, against bare HTTP sends of the same messages.

    .venv/bin/python bench/outbox.py [--messages 3000] [--concurrency 8] [--no-sqlite]
                                     [--postgres postgresql://127.0.0.1:5432/test]

For PostgreSQL (and SQLite unless --no-sqlite), in a scratch database: queue `--messages`
messages for the `relay` channel, one transaction each as a request would (the load side, this
process), then run a real `hailong worker --once --concurrency C` process that claims them,
POSTs each over HTTP to a fake receiver on 127.0.0.1 (tests/fakes/relay.py, in this process)
and records each outcome in its own transaction.

The baseline, in the same run, is the least a sender can do: a process that POSTs the same
bodies with the same HTTP client (httpx, same connection limit), C at a time, to the same
receiver, with no database at all. Throughput is counted at the receiver, from its first
delivery to its last. CPU per message is each process's own: the sender's (worker or bare
client, less what it spends starting up, measured by starting it with nothing to do) and the
load side's (this process: the receiver's work while the sends run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch import postgres_database, sqlite_database  # noqa: E402  (bench/scratch.py)

from hailong import migrate  # noqa: E402
from hailong.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from hailong.outbox import enqueue  # noqa: E402
from hailong.outbox.http import RELAY_CHANNEL  # noqa: E402
from tests.fakes.relay import FakeRelay  # noqa: E402
from tests.infra.processes import HAILONG, clean_environment  # noqa: E402

PAYLOAD = {
    "text": "Anh/chị đánh giá thế nào về thái độ của công chức tiếp nhận hồ sơ?",
    "buttons": [{"title": f"{n}", "payload": f"a:C1:{n}"} for n in range(1, 6)],
}


def message_body(n: int, prefix: str) -> dict[str, Any]:
    return {
        "id": n,
        "kind": "reply",
        "recipient": f"84{900000000 + n}",
        "payload": PAYLOAD,
        "idempotency_key": f"{prefix}-{n}",
        "attempt": 1,
    }


# --- databases ----------------------------------------------------------------------------


def queue(url: str, count: int, prefix: str) -> tuple[float, float]:
    """Queue `count` messages, one committed transaction each; (seconds, CPU seconds)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        for n in range(count):
            body = message_body(n, prefix)
            with unit_of_work(sessions) as session:
                enqueue(
                    session,
                    channel=RELAY_CHANNEL,
                    kind=body["kind"],
                    recipient=body["recipient"],
                    payload=body["payload"],
                    idempotency_key=body["idempotency_key"],
                )
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        engine.dispose()


# --- the senders, each in a process of its own ---------------------------------------------


def child_cpu(command: list[str], env: dict[str, str]) -> float:
    """Run a child to its end; the CPU seconds it used (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@dataclass(frozen=True)
class Run:
    """One sender's run: throughput at the receiver, CPU per message on each side."""

    messages: int
    seconds: float
    sender_cpu: float
    load_cpu: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds

    def sender_ms(self) -> float:
        return 1000 * self.sender_cpu / self.messages

    def load_ms(self) -> float:
        return 1000 * self.load_cpu / self.messages


def sent_through(
    relay: FakeRelay, command: list[str], env: dict[str, str], count: int, startup: float
) -> Run:
    """Run a sender process to its end; what the receiver saw of it, and the CPU it took."""
    delivered_before = len(relay.deliveries)
    load_before = time.process_time()
    cpu = child_cpu(command, env)
    load = time.process_time() - load_before
    deliveries = relay.deliveries[delivered_before:]
    if len(deliveries) != count or len(set(d.key for d in deliveries)) != count:
        raise SystemExit(f"{len(deliveries)} deliveries for {count} messages")
    # n deliveries span n-1 intervals.
    window = deliveries[-1].at - deliveries[0].at
    return Run(count - 1, window, max(cpu - startup, 0.0), load)


def worker_run(relay: FakeRelay, url: str, count: int, concurrency: int) -> Run:
    env = clean_environment(
        HAILONG_DATABASE_URL=url,
        HAILONG_OUTBOX_RELAY_URL=relay.url,
        HAILONG_OUTBOX_POLL_SECONDS="0.05",
    )
    command = [HAILONG, "worker", "--once", "--concurrency", str(concurrency)]
    # With nothing queued yet, a run costs only its start-up: subtracted below.
    startup = child_cpu(command, env)
    queue_seconds, queue_cpu = queue(url, count, prefix=f"w{time.monotonic_ns()}")
    print(
        f"  queued {count} messages, one transaction each: {count / queue_seconds:8.0f}/s, "
        f"{1000 * queue_cpu / count:.3f} ms CPU each"
    )
    return sent_through(relay, command, env, count, startup)


def bare_run(relay: FakeRelay, count: int, concurrency: int) -> Run:
    command = [sys.executable, __file__, "--bare", relay.url, "--concurrency", str(concurrency)]
    env = clean_environment()
    startup = child_cpu([*command, "--messages", "0"], env)
    return sent_through(relay, [*command, "--messages", str(count)], env, count, startup)


def bare_sends(url: str, count: int, concurrency: int) -> None:
    """The baseline process: POST `count` bodies, `concurrency` at a time, as RelaySender does."""
    import httpx

    async def main() -> None:
        prefix = f"b{time.monotonic_ns()}"
        left = list(range(count))
        async with httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=concurrency)
        ) as client:

            async def sender() -> None:
                while left:
                    body = message_body(left.pop(), prefix)
                    response = await client.post(
                        url, json=body, headers={"Idempotency-Key": body["idempotency_key"]}
                    )
                    response.raise_for_status()

            await asyncio.gather(*(sender() for _ in range(concurrency)))

    asyncio.run(main())


# --- the report ---------------------------------------------------------------------------


def report(name: str, worker: Run, bare: Run) -> list[str]:
    return [
        f"{name}: {worker.per_second:8.0f} messages/s through the outbox worker "
        f"(worker {worker.sender_ms():.3f} ms CPU/message, "
        f"load side {worker.load_ms():.3f} ms CPU/message)",
        f"{name}: {bare.per_second:8.0f} messages/s as bare HTTP sends "
        f"(client {bare.sender_ms():.3f} ms CPU/message, "
        f"load side {bare.load_ms():.3f} ms CPU/message)",
        f"{name}: ratio outbox/bare = {worker.per_second / bare.per_second:.3f} in throughput, "
        f"{worker.sender_ms() / max(bare.sender_ms(), 1e-9):.1f}x the sender's CPU per message",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only.")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_sends(args.bare, args.messages, args.concurrency)
        return

    relay = FakeRelay().start()
    print(
        f"outbox: {args.messages} messages, {args.concurrency} sends at a time, "
        f"fake receiver on 127.0.0.1 (real HTTP)"
    )
    lines: list[str] = []
    try:
        databases = [("postgresql", postgres_database(args.postgres))]
        if not args.no_sqlite:
            databases.append(("sqlite", sqlite_database()))
        for name, database in databases:
            print(f"{name}:")
            with database as url:
                migrate.upgrade(url)
                worker = worker_run(relay, url, args.messages, args.concurrency)
            bare = bare_run(relay, args.messages, args.concurrency)
            lines += report(name, worker, bare)
    finally:
        relay.stop()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
