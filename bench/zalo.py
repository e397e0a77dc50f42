"""Events per second through POST /webhook/zalo, and messages per second through the outbox
to Zalo, each against a bare baseline measured in the same run.

    .venv/bin/python bench/zalo.py [--surveys 32] [--concurrency 8] [--sqlite]
                                   [--postgres postgresql://127.0.0.1:5432/test]

On PostgreSQL (and SQLite with --sqlite), in a scratch database: one uvicorn process serves
the real app with Zalo on, and `--surveys` citizens answer the whole survey, `--concurrency`
at a time, as signed Zalo events (typed answers, so no reply has to be read back first). Each
event is verified, recorded, answered in the survey and its reply queued in the outbox, in one
transaction, before its 200. The baseline is a bare FastAPI route served the same way that
parses the same JSON and does one INSERT (bench/telegram_webhook.py's). The load generator's
own CPU per event (signing, HTTP) is printed so it can be told apart from the server's.

Then a real `hailong worker --once --concurrency C` sends the replies queued by the webhook
run through the Zalo sender to the fake Zalo OpenAPI of tests/fakes (in this process, real
HTTP); the baseline POSTs the same message bodies with httpx, C at a time, no database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scratch import postgres_database, sqlite_database  # noqa: E402  (bench/scratch.py)
from telegram_webhook import BARE_PATH, serve  # noqa: E402

from hailong import migrate  # noqa: E402
from hailong.db import make_engine, make_sessionmaker  # noqa: E402
from hailong.models import OutboxMessage, Response  # noqa: E402
from hailong.questionnaires.service import parse_source  # noqa: E402
from survey_flows import QuestionKind  # noqa: E402
from survey_flows.questionnaire import builtin_source  # noqa: E402
from tests.factories import make_counter, make_period, make_procedure, make_unit  # noqa: E402
from tests.fakes.zalo_api import FakeZaloAPI  # noqa: E402
from tests.infra.processes import clean_environment  # noqa: E402
from tests.telegram.plan import PLAN  # noqa: E402
from tests.zalo.phone import (  # noqa: E402
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    OA_SECRET,
    WEBHOOK_PATH,
    Events,
    signed,
)

HAILONG = str(Path(sys.executable).with_name("hailong"))
# One sequence of msg_ids for the whole run: Zalo's are unique, and the webhook dedupes on them.
EVENTS = Events()
PROCEDURES = {"1.001612": "Đăng ký khai sinh", "1.004227": "Chứng thực bản sao từ bản chính"}


def typed_answers() -> list[str]:
    """PLAN's answers as a citizen types them on Zalo, in the order they are asked."""
    questionnaire = parse_source(builtin_source("sipas-2023"))
    typed = []
    for key, value in PLAN.items():
        kind = questionnaire.question(key).kind
        if value is None:
            typed.append("0")
        elif kind is QuestionKind.yes_no:
            typed.append("co" if value == "yes" else "khong")
        elif kind is QuestionKind.multi_choice:
            typed.append(" ".join(value.split(";")))
        else:
            typed.append(value)
    return typed


def seed(url: str) -> str:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            unit = make_unit(session)
            _, token = make_counter(session, unit)
            make_period(session)
            for code, name in PROCEDURES.items():
                make_procedure(session, code=code, name=name)
            return token.short_code
    finally:
        engine.dispose()


def count(url: str, what: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(what)) or 0
    finally:
        engine.dispose()


def zalo_env(url: str, api: FakeZaloAPI) -> dict[str, str]:
    return {
        "HAILONG_DATABASE_URL": url,
        "HAILONG_SECRET_KEY": "bench-secret-not-for-production",
        "HAILONG_ZALO_APP_ID": APP_ID,
        "HAILONG_ZALO_OA_SECRET": OA_SECRET,
        "HAILONG_ZALO_APP_SECRET": APP_SECRET,
        "HAILONG_ZALO_ACCESS_TOKEN": FIRST_ACCESS,
        "HAILONG_ZALO_REFRESH_TOKEN": FIRST_REFRESH,
        "HAILONG_ZALO_API_BASE": api.base_url,
        "HAILONG_ZALO_OAUTH_BASE": api.base_url,
        # One process on a shared machine: a slow moment must not turn into a 503 here.
        "HAILONG_ZALO_WEBHOOK_DEADLINE_SECONDS": "30",
        "HAILONG_OUTBOX_POLL_SECONDS": "0.05",
    }


async def drive(url: str, bodies: list[list[tuple[bytes, dict[str, str]]]], at_once: int) -> float:
    """Each citizen's events in order, `at_once` citizens at a time; the seconds it took."""
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=at_once)) as c:
        left = list(bodies)

        async def citizen() -> None:
            while left:
                for body, headers in left.pop():
                    response = await c.post(url, content=body, headers=headers)
                    if response.status_code != 200:
                        raise SystemExit(f"{url} answered {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(citizen() for _ in range(at_once)))
        return time.perf_counter() - started


def citizens_events(
    short_code: str, surveys: int, first: int
) -> list[list[tuple[bytes, dict[str, str]]]]:
    """Signed at send time would cost the load side inside the window; the timestamps stay
    well within the webhook's age limit for a run this short."""
    texts = [short_code, *typed_answers()]
    return [
        [signed(EVENTS.text(str(8_000_000_000 + first + n), text)) for text in texts]
        for n in range(surveys)
    ]


@dataclass(frozen=True)
class WebhookRun:
    events: int
    seconds: float
    bare_seconds: float
    load_cpu: float

    def lines(self, name: str) -> list[str]:
        rate, bare = self.events / self.seconds, self.events / self.bare_seconds
        return [
            f"{name}: {rate:8.1f} events/s through POST /webhook/zalo "
            f"({self.events} events, {self.seconds:.2f} s)",
            f"{name}: {bare:8.1f} requests/s on the bare one-insert route, same requests",
            f"{name}: ratio webhook/bare = {rate / bare:.3f} ({bare / rate:.1f}x one insert)",
            f"{name}: load generator {1000 * self.load_cpu / self.events:.3f} ms CPU per event "
            f"(signing and HTTP, this process)",
        ]


def webhook_run(url: str, api: FakeZaloAPI, surveys: int, at_once: int) -> WebhookRun:
    short_code = seed(url)
    env = zalo_env(url, api)
    with serve("hailong.asgi:app_factory", env) as app_url:
        asyncio.run(drive(app_url + WEBHOOK_PATH, citizens_events(short_code, 1, 0), 1))
        before = count(url, Response)
        work = citizens_events(short_code, surveys, 1)
        events = sum(len(citizen) for citizen in work)
        cpu = time.process_time()
        seconds = asyncio.run(drive(app_url + WEBHOOK_PATH, work, at_once))
        load_cpu = time.process_time() - cpu
    if count(url, Response) - before != surveys:
        raise SystemExit("not every survey was stored")
    bare_work = [[(body, {"Content-Type": "application/json"}) for body, _ in c] for c in work]
    with serve("telegram_webhook:bare_app_factory", env) as bare_url:
        asyncio.run(drive(bare_url + BARE_PATH, bare_work[:at_once], at_once))
        bare_seconds = asyncio.run(drive(bare_url + BARE_PATH, bare_work, at_once))
    return WebhookRun(events, seconds, bare_seconds, load_cpu)


def outbox_run(url: str, api: FakeZaloAPI, at_once: int) -> list[str]:
    queued = count(url, OutboxMessage)
    bodies = []
    engine = make_engine(url)
    with engine.connect() as connection:
        for recipient, payload in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.payload)
        ):
            bodies.append({"recipient": {"user_id": recipient}, "message": payload})
    engine.dispose()
    before = api.count()
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [HAILONG, "worker", "--once", "--concurrency", str(at_once)],
        env=clean_environment(**zalo_env(url, api)),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    sent = api.count() - before
    if sent != queued:
        raise SystemExit(f"{sent} of {queued} messages reached the fake Zalo API")
    bare = asyncio.run(bare_sends(api, bodies, at_once))
    rate, bare_rate = sent / seconds, len(bodies) / bare
    return [
        f"outbox: {rate:8.1f} messages/s through `hailong worker` to Zalo ({sent} messages, "
        f"{seconds:.2f} s including the worker's start; {1000 * worker_cpu / sent:.3f} ms "
        f"worker CPU per message)",
        f"outbox: {bare_rate:8.1f} messages/s as bare httpx POSTs of the same bodies",
        f"outbox: ratio worker/bare = {rate / bare_rate:.3f}",
    ]


async def bare_sends(api: FakeZaloAPI, bodies: list[dict[str, Any]], at_once: int) -> float:
    headers = {"access_token": api.access_token, "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=at_once)) as c:
        left = [json.dumps(body).encode() for body in bodies]

        async def sender() -> None:
            while left:
                await c.post(
                    api.base_url + "/v3.0/oa/message/cs", content=left.pop(), headers=headers
                )

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(at_once)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sqlite", action="store_true", help="SQLite too")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    api = FakeZaloAPI(
        app_id=APP_ID, app_secret=APP_SECRET, access_token=FIRST_ACCESS, refresh_token=FIRST_REFRESH
    ).start()
    print(
        f"zalo: {args.surveys} whole surveys ({len(typed_answers()) + 1} events each), "
        f"{args.concurrency} citizens at a time, one uvicorn process, fake Zalo API on 127.0.0.1"
    )
    try:
        databases = [("postgresql", postgres_database(args.postgres))]
        if args.sqlite:
            databases.insert(0, ("sqlite", sqlite_database()))
        for name, database in databases:
            with database as url:
                run = webhook_run(url, api, args.surveys, args.concurrency)
                print("\n".join(run.lines(name)))
                print(
                    "\n".join(f"{name}: {line}" for line in outbox_run(url, api, args.concurrency))
                )
    finally:
        api.stop()


if __name__ == "__main__":
    main()
