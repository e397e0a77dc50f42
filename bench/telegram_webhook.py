"""Answers per second through POST /webhook/telegram, against a bare one-insert route.

    .venv/bin/python bench/telegram_webhook.py [--surveys 48] [--concurrency 8]
                                               [--postgres postgresql://127.0.0.1:5432/test]

For SQLite and then PostgreSQL (a temporary database each), it serves the real app in one
uvicorn process with Telegram on, its Bot API pointed at the fake Bot API of tests/fakes (in
this process, real HTTP), and drives `--surveys` whole surveys, `--concurrency` citizens at a
time: realistic update JSON, one tap (or typed comment) per answer, the next question taken
from the Bot API call the webhook answers with. Telegram's own work (showing that message) is
done in memory on the fake, so the time measured is ours: the webhook, its transaction, and
the calls the app makes itself (answerCallbackQuery, editMessageText).

The baseline is a bare FastAPI route, served the same way (one uvicorn process, same flags,
same database, same engine settings), that parses the same JSON and does one INSERT in its own
transaction. The same HTTP client sends it as many requests, as many at a time. The ratio says
what a webhook update costs compared with the least a web request that writes can cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch import postgres_database, sqlite_database  # noqa: E402  (bench/scratch.py)

from bot.telegram.factory import WEBHOOK_PATH  # noqa: E402
from hailong import migrate  # noqa: E402
from hailong.counters.tokens import start_payload  # noqa: E402
from hailong.db import make_engine, make_sessionmaker  # noqa: E402
from hailong.models import Answer, InboundEvent, Response  # noqa: E402
from hailong.models.base import utcnow  # noqa: E402
from tests.factories import make_counter, make_period, make_procedure, make_unit  # noqa: E402
from tests.fakes.telegram_api import ChatMessage, FakeTelegramAPI  # noqa: E402
from tests.infra.processes import clean_environment, free_port  # noqa: E402
from tests.telegram.chat import (  # noqa: E402
    TOKEN,
    WEBHOOK_SECRET,
    TelegramUser,
    Updates,
    webhook_headers,
)

BARE_PATH = "/bench/insert"
COMMENT = "Cán bộ hướng dẫn rất tận tình, cảm ơn."
PROCEDURES = {
    "1.001612": "Đăng ký khai sinh",
    "1.004227": "Chứng thực bản sao từ bản chính",
    "2.000889": "Đăng ký thường trú",
}


# The baseline app, imported by uvicorn in its own process.


def bare_app_factory() -> FastAPI:
    """One route, one INSERT in its own transaction: the cheapest write a request can do."""
    engine = make_engine(os.environ["HAILONG_DATABASE_URL"])
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.post(BARE_PATH)
    def insert_one(update: dict[str, Any]) -> JSONResponse:
        with engine.begin() as connection:
            connection.execute(
                insert(InboundEvent.__table__).values(
                    channel="bench", event_id=uuid.uuid4().hex, received_at=utcnow()
                )
            )
        return JSONResponse({})

    return app


# Serving.


@contextmanager
def serve(target: str, env: dict[str, str]) -> Iterator[str]:
    """`uvicorn TARGET --factory` on 127.0.0.1, one process, until the block ends."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command, env=clean_environment(**env), stdin=subprocess.DEVNULL, cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{target} exited with {process.returncode}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{target} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# Databases.


def seed(url: str) -> str:
    """Migrate, add a ward with one counter, its procedures and an open period; the payload."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            unit = make_unit(session)
            _, token = make_counter(session, unit)
            make_period(session)
            for code, name in PROCEDURES.items():
                make_procedure(session, code=code, name=name)
            return start_payload(token.token)
    finally:
        engine.dispose()


def stored(url: str) -> tuple[int, int]:
    """(completed responses, answers) in the database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            responses = connection.scalar(
                select(func.count()).select_from(Response).where(Response.status == "completed")
            )
            answers = connection.scalar(select(func.count()).select_from(Answer))
            return responses or 0, answers or 0
    finally:
        engine.dispose()


# The citizens.


@dataclass
class Citizens:
    client: httpx.AsyncClient
    url: str
    api: FakeTelegramAPI
    payload: str
    updates: Updates
    requests: int = 0

    async def post(self, update: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            self.url + WEBHOOK_PATH, json=update, headers=webhook_headers()
        )
        self.requests += 1
        if response.status_code != 200:
            raise SystemExit(f"webhook answered {response.status_code}: {response.text}")
        body: dict[str, Any] = response.json()
        return body

    def shown(self, body: dict[str, Any]) -> ChatMessage:
        """Telegram carrying out the sendMessage of the webhook's answer (in memory)."""
        if body.get("method") != "sendMessage":
            raise SystemExit(f"expected the next question, got {body}")
        return self.api.record_sent({k: v for k, v in body.items() if k != "method"})

    async def survey(self, user: TelegramUser) -> None:
        message = self.shown(await self.post(self.updates.message(user, f"/start {self.payload}")))
        while message.reply_markup:
            data = [b["callback_data"] for b in message.buttons()]
            if all(d.startswith("a:") and d.endswith(":-") for d in data):
                # Only "Skip": a free-text question. Type the comment.
                body = await self.post(self.updates.message(user, COMMENT))
            elif data[0].startswith("m:"):
                toggled = await self.post(self.updates.callback(user, message, data[0]))
                message.reply_markup = toggled["reply_markup"]
                done = next(
                    d for d in (b["callback_data"] for b in message.buttons()) if d.endswith(":-1")
                )
                body = await self.post(self.updates.callback(user, message, done))
            else:
                # The first button: "received", a procedure, "very satisfied", "yes"...
                body = await self.post(self.updates.callback(user, message, data[0]))
            message = self.shown(body)


async def run_surveys(
    url: str, api: FakeTelegramAPI, payload: str, surveys: int, at_once: int, updates: Updates
) -> tuple[float, int]:
    async with httpx.AsyncClient(
        timeout=60, limits=httpx.Limits(max_connections=at_once)
    ) as client:
        citizens = Citizens(client=client, url=url, api=api, payload=payload, updates=updates)
        queue = list(range(surveys))

        async def worker() -> None:
            while queue:
                number = queue.pop()
                await citizens.survey(TelegramUser(id=900_000_000 + number))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(at_once)))
        return time.perf_counter() - started, citizens.requests


async def run_bare(url: str, requests: int, at_once: int) -> float:
    update = Updates().message(TelegramUser(id=1), "Cán bộ hướng dẫn rất tận tình.")
    async with httpx.AsyncClient(
        timeout=60, limits=httpx.Limits(max_connections=at_once)
    ) as client:
        left = list(range(requests))

        async def worker() -> None:
            while left:
                left.pop()
                response = await client.post(url + BARE_PATH, json=update)
                if response.status_code != 200:
                    raise SystemExit(f"bare route answered {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(at_once)))
        return time.perf_counter() - started


@dataclass(frozen=True)
class Result:
    database: str
    answers: int
    requests: int
    webhook_seconds: float
    bare_seconds: float

    def lines(self) -> list[str]:
        webhook_rps = self.requests / self.webhook_seconds
        bare_rps = self.requests / self.bare_seconds
        return [
            f"{self.database}: {self.answers / self.webhook_seconds:8.1f} answers/s through "
            f"the webhook ({self.answers} answers, {self.requests} updates, "
            f"{self.webhook_seconds:.2f} s; {webhook_rps:.1f} updates/s)",
            f"{self.database}: {bare_rps:8.1f} requests/s on the bare one-insert route "
            f"({self.requests} requests, {self.bare_seconds:.2f} s)",
            f"{self.database}: ratio webhook/bare = {webhook_rps / bare_rps:.3f} "
            f"(requests per second; {bare_rps / webhook_rps:.1f}x the cost of one insert)",
        ]


def measure(name: str, url: str, api: FakeTelegramAPI, surveys: int, at_once: int) -> Result:
    payload = seed(url)
    env = {
        "HAILONG_DATABASE_URL": url,
        "HAILONG_SECRET_KEY": "bench-secret-not-for-production",
        "HAILONG_TELEGRAM_TOKEN": TOKEN,
        "HAILONG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "HAILONG_TELEGRAM_API_BASE": api.base_url,
    }
    with serve("hailong.asgi:app_factory", env) as app_url:
        # Warm up: one survey, not counted (imports, catalogs, connection pool).
        # Telegram's update ids only grow: one sequence for the whole run.
        updates = Updates()
        asyncio.run(run_surveys(app_url, api, payload, 1, 1, updates))
        done_before, answers_before = stored(url)
        seconds, requests = asyncio.run(
            run_surveys(app_url, api, payload, surveys, at_once, updates)
        )
        done_after, answers_after = stored(url)
    if done_after - done_before != surveys:
        raise SystemExit(f"{name}: {done_after - done_before} of {surveys} surveys completed")
    with serve("telegram_webhook:bare_app_factory", env) as bare_url:
        asyncio.run(run_bare(bare_url, at_once * 4, at_once))
        bare_seconds = asyncio.run(run_bare(bare_url, requests, at_once))
    return Result(name, answers_after - answers_before, requests, seconds, bare_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    api = FakeTelegramAPI(token=TOKEN).start()
    print(
        f"telegram webhook: {args.surveys} whole surveys, {args.concurrency} citizens at a time, "
        f"one uvicorn process, fake Bot API on 127.0.0.1"
    )
    try:
        results = []
        with sqlite_database() as url:
            results.append(measure("sqlite", url, api, args.surveys, args.concurrency))
        with postgres_database(args.postgres) as url:
            results.append(measure("postgresql", url, api, args.surveys, args.concurrency))
    finally:
        api.stop()
    for result in results:
        print("\n".join(result.lines()))


if __name__ == "__main__":
    main()
