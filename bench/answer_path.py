"""The answer path against a bare one-INSERT route: the web form and the Telegram webhook.

    .venv/bin/python bench/answer_path.py [--surveys 32] [--concurrency 8]
                                          [--postgres postgresql://127.0.0.1:5432/test]
                                          [--only web|telegram]

For SQLite and then PostgreSQL (a temporary database each) it serves the real app (Telegram
on, its Bot API a fake of tests/fakes on 127.0.0.1) and the bare route in one uvicorn process
each, the same flags, the same database and engine settings, and drives them with a small
keep-alive HTTP/1.1 client of its own (asyncio streams): a general client such as httpx spends
more CPU per request than the bare server does and would cap the baseline.

Phases, `--concurrency` citizens at a time:
- web POST: whole surveys through the form, each page POSTed and the 303's Location followed
  to the next page's POST without drawing the page (what a page's answers cost to store);
- web walk: the same as a browser does it (every page GET after its POST), for the GETs;
- telegram: whole surveys through POST /webhook/telegram, the next question taken from the
  Bot API call the webhook answers with;
- bare: as many requests to the bare route (a form body for the web, update JSON for Telegram)
  as the phase it is compared with sent.

Printed per phase: requests/s and the ratio to the bare route, p50/p95/p99 latency per kind of
request, SQL statements per request of each kind (counted in the server by a SQLAlchemy
cursor event; BEGIN/COMMIT not counted), the server's CPU per request, the load generator's
own CPU per request (its thread's CPU time), and the server's RSS at start and after the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from answer_path_app import BARE_FORM, BARE_JSON, STATS, kind_of  # noqa: E402
from scratch import postgres_database, sqlite_database  # noqa: E402  (bench/scratch.py)
from sqlalchemy import func, select  # noqa: E402

from bot.telegram.factory import WEBHOOK_PATH  # noqa: E402
from hailong import migrate  # noqa: E402
from hailong.counters.tokens import start_payload  # noqa: E402
from hailong.db import make_engine, make_sessionmaker  # noqa: E402
from hailong.models import Answer, Response  # noqa: E402
from survey_flows.layout import form_pages  # noqa: E402
from tests.factories import make_counter, make_period, make_procedure, make_unit  # noqa: E402
from tests.fakes.telegram_api import ChatMessage, FakeTelegramAPI  # noqa: E402
from tests.infra.processes import clean_environment, free_port  # noqa: E402
from tests.telegram.chat import (  # noqa: E402
    SECRET_HEADER,
    TOKEN,
    WEBHOOK_SECRET,
    TelegramUser,
    Updates,
)
from tests.web.plan import answer_plan, default_questionnaire, start_id  # noqa: E402

COMMENT = "Cán bộ hướng dẫn rất tận tình, cảm ơn."
PROCEDURES = {
    "1.001612": "Đăng ký khai sinh",
    "1.004227": "Chứng thực bản sao từ bản chính",
    "2.000889": "Đăng ký thường trú",
}
# A counter takes 60 starts an hour from one network: a fresh counter per this many surveys.
SURVEYS_PER_COUNTER = 50
# Each phase is measured in this many rounds, the app's and the bare route's in turn.
ROUNDS = 4


# The load generator: keep-alive HTTP/1.1 over asyncio streams ------------------------------


class HttpError(Exception):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Connection:
    """One keep-alive connection; requests one at a time, as a browser's tab sends them."""

    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] = {}
    ) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"content-length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        found: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookies[cookie_name] = rest.split(";", 1)[0]
            else:
                found[name] = value
        if "content-length" not in found:
            raise HttpError(f"{method} {path}: no content-length ({found})")
        content = await self.reader.readexactly(int(found["content-length"]))
        return Reply(status, found, cookies, content)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Load:
    """Latencies per kind of request and the load generator's own CPU."""

    port: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def send(
        self,
        connection: Connection,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] = {},
    ) -> Reply:
        started = time.perf_counter()
        reply = await connection.request(method, path, body, headers)
        self.latencies[kind_of(method, path)].append(time.perf_counter() - started)
        return reply

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


async def run_citizens(
    load: Load, citizens: int, at_once: int, one: Callable[[Connection, int], Awaitable[None]]
) -> tuple[float, float]:
    """Run `citizens` sessions, `at_once` at a time; (wall seconds, this thread's CPU)."""
    queue = list(range(citizens))

    async def worker() -> None:
        connection = Connection(load.port)
        try:
            while queue:
                await one(connection, queue.pop())
        finally:
            connection.close()

    cpu, started = time.thread_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(at_once)))
    return time.perf_counter() - started, time.thread_time() - cpu


# The web form -------------------------------------------------------------------------------

FORM = {"content-type": "application/x-www-form-urlencoded"}
PAGE = re.compile(r"^/q/[^/]+/p/([A-Za-z0-9_]+)$")


def _page_bodies() -> dict[str, bytes]:
    """Each form page's body: the plan's answer to every question the page asks."""
    plan = answer_plan("1.001612")
    return {
        page.key: urlencode(
            [(q.key, value) for q in page.questions() for value in plan[q.key]]
        ).encode()
        for page in form_pages(default_questionnaire())
    }


@dataclass
class WebCitizens:
    load: Load
    tokens: list[str]
    draw_pages: bool
    bodies: dict[str, bytes] = field(default_factory=_page_bodies)
    answers: int = 0
    first: int = 0  # the number of the first citizen (a counter takes 50 a run)

    async def survey(self, connection: Connection, number: int) -> None:
        number += self.first
        token = self.tokens[number // SURVEYS_PER_COUNTER]
        landing = await self.load.send(connection, "GET", f"/q/{token}")
        jar = dict(landing.cookies)
        body = urlencode({"start_id": start_id(landing.body.decode())}).encode()
        reply = await self.load.send(
            connection, "POST", f"/q/{token}/start", body, self._headers(jar)
        )
        while True:
            jar.update(reply.cookies)
            location = reply.headers.get("location", "")
            page = PAGE.match(location)
            if reply.status != 303 or page is None:
                if not location.endswith("/done"):
                    raise HttpError(f"unexpected {reply.status} {location}: {reply.body[:300]!r}")
                return
            if self.draw_pages:
                shown = await self.load.send(
                    connection, "GET", location, headers=self._headers(jar)
                )
                if shown.status != 200:
                    raise HttpError(f"GET page {shown.status}")
            body = self.bodies[page.group(1)]
            reply = await self.load.send(connection, "POST", location, body, self._headers(jar))
            self.answers += body.count(b"&") + 1

    @staticmethod
    def _headers(jar: Mapping[str, str]) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        return {**FORM, "cookie": cookie} if cookie else dict(FORM)


# Telegram -----------------------------------------------------------------------------------

HOOK = {"content-type": "application/json", SECRET_HEADER: WEBHOOK_SECRET}


@dataclass
class TelegramCitizens:
    load: Load
    api: FakeTelegramAPI
    payload: str
    updates: Updates
    first_user: int
    answers: int = 0

    async def post(self, connection: Connection, update: dict[str, Any]) -> dict[str, Any]:
        reply = await self.load.send(
            connection, "POST", WEBHOOK_PATH, json.dumps(update).encode(), HOOK
        )
        if reply.status != 200:
            raise HttpError(f"webhook answered {reply.status}: {reply.body[:300]!r}")
        body: dict[str, Any] = reply.json()
        return body

    def shown(self, body: dict[str, Any]) -> ChatMessage:
        """Telegram carrying out the sendMessage of the webhook's answer (in memory)."""
        if body.get("method") != "sendMessage":
            raise HttpError(f"expected the next question, got {body}")
        return self.api.record_sent({k: v for k, v in body.items() if k != "method"})

    async def survey(self, connection: Connection, number: int) -> None:
        user = TelegramUser(id=self.first_user + number)
        start = self.updates.message(user, f"/start {self.payload}")
        message = self.shown(await self.post(connection, start))
        while message.reply_markup:
            data = [b["callback_data"] for b in message.buttons()]
            if all(d.startswith("a:") and d.endswith(":-") for d in data):
                body = await self.post(connection, self.updates.message(user, COMMENT))
            elif data[0].startswith("m:"):
                toggled = await self.post(connection, self.updates.callback(user, message, data[0]))
                message.reply_markup = toggled["reply_markup"]
                done = next(
                    d for d in (b["callback_data"] for b in message.buttons()) if d.endswith(":-1")
                )
                body = await self.post(connection, self.updates.callback(user, message, done))
            else:
                body = await self.post(connection, self.updates.callback(user, message, data[0]))
            self.answers += 1
            message = self.shown(body)


# Serving and the database ---------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    def stats(self) -> dict[str, Any]:
        async def ask() -> dict[str, Any]:
            connection = Connection(self.port)
            try:
                reply = await connection.request("GET", STATS)
                result: dict[str, Any] = reply.json()
                return result
            finally:
                connection.close()

        return asyncio.run(ask())


@contextmanager
def serve(target: str, env: dict[str, str]) -> Iterator[Server]:
    """`uvicorn TARGET --factory` on 127.0.0.1, one process, until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--factory", "--app-dir"]
    command += [str(ROOT / "bench"), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(
        command, env=clean_environment(**env), stdin=subprocess.DEVNULL, cwd=ROOT
    )
    server = Server(port, process)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{target} exited with {process.returncode}")
            try:
                server.stats()
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{target} did not start")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass(frozen=True)
class Seeded:
    tokens: list[str]
    payload: str


def seed(url: str, counters: int) -> Seeded:
    """Migrate; a ward with `counters` counters, its procedures and an open period."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            unit = make_unit(session)
            tokens = [
                make_counter(session, unit, name=f"Quầy số {n + 1}")[1].token
                for n in range(counters)
            ]
            make_period(session)
            for code, name in PROCEDURES.items():
                make_procedure(session, code=code, name=name)
            return Seeded(tokens, start_payload(tokens[0]))
    finally:
        engine.dispose()


def finished(url: str) -> tuple[int, int]:
    """(finished responses, answers) in the database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            done = connection.scalar(
                select(func.count())
                .select_from(Response)
                .where(Response.status.in_(["completed", "unrated"]))
            )
            answers = connection.scalar(select(func.count()).select_from(Answer))
            return done or 0, answers or 0
    finally:
        engine.dispose()


# Measuring ----------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    client_cpu: float
    server_cpu: float
    latencies: dict[str, list[float]]
    statements: dict[str, list[int]]
    rss_kb: tuple[int, int]
    answers: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def _delta_statements(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[int]]:
    """Per kind of request: [requests, SQL statements] between two readings."""
    per_kind: dict[str, list[int]] = {}
    for kind, (requests, statements) in after["kinds"].items():
        old = before["kinds"].get(kind, [0, 0])
        if requests - old[0]:
            per_kind[kind] = [requests - old[0], statements - old[1]]
    return per_kind


def merged(total: Phase | None, part: Phase) -> Phase:
    """Two rounds of one phase as one."""
    if total is None:
        return part
    latencies = defaultdict(list, {k: list(v) for k, v in total.latencies.items()})
    for kind, values in part.latencies.items():
        latencies[kind].extend(values)
    statements = {k: list(v) for k, v in total.statements.items()}
    for kind, (requests, count) in part.statements.items():
        old = statements.setdefault(kind, [0, 0])
        old[0] += requests
        old[1] += count
    return Phase(
        name=total.name,
        requests=total.requests + part.requests,
        seconds=total.seconds + part.seconds,
        client_cpu=total.client_cpu + part.client_cpu,
        server_cpu=total.server_cpu + part.server_cpu,
        latencies=latencies,
        statements=statements,
        rss_kb=(total.rss_kb[0], part.rss_kb[1]),
        answers=total.answers + part.answers,
    )


def measured(
    name: str,
    server: Server,
    rss_start: int,
    load: Load,
    citizens: int,
    at_once: int,
    one: Callable[[Connection, int], Awaitable[None]],
) -> Phase:
    before = server.stats()
    seconds, client_cpu = asyncio.run(run_citizens(load, citizens, at_once, one))
    after = server.stats()
    return Phase(
        name=name,
        requests=load.requests,
        seconds=seconds,
        client_cpu=client_cpu,
        server_cpu=after["cpu"] - before["cpu"],
        latencies=load.latencies,
        statements=_delta_statements(before, after),
        rss_kb=(rss_start, after["rss_kb"]),
    )


def bare_phase(
    server: Server, rss_start: int, like: Phase, at_once: int, web: bool, warm_up: bool = False
) -> Phase:
    """As many requests to the bare route as `like` sent, as many at a time."""
    if web:
        path = BARE_FORM
        body = next(iter(_page_bodies().values()))
        headers = FORM
    else:
        path = BARE_JSON
        body = json.dumps(Updates().message(TelegramUser(id=1), COMMENT)).encode()
        headers = {"content-type": "application/json"}
    per_citizen = max(1, like.requests // at_once)

    def one(load: Load) -> Callable[[Connection, int], Awaitable[None]]:
        async def requests(connection: Connection, _number: int) -> None:
            for _ in range(per_citizen):
                reply = await load.send(connection, "POST", path, body, headers)
                if reply.status not in (200, 303):
                    raise HttpError(f"bare route answered {reply.status}")

        return requests

    if warm_up:
        warm = Load(server.port)
        asyncio.run(run_citizens(warm, at_once, at_once, one(warm)))
    load = Load(server.port)
    before = server.stats()
    seconds, client_cpu = asyncio.run(run_citizens(load, at_once, at_once, one(load)))
    after = server.stats()
    return Phase(
        name="bare " + ("form" if web else "json"),
        requests=load.requests,
        seconds=seconds,
        client_cpu=client_cpu,
        server_cpu=after["cpu"] - before["cpu"],
        latencies=load.latencies,
        statements=_delta_statements(before, after),
        rss_kb=(rss_start, after["rss_kb"]),
    )


def app_env(url: str, api: FakeTelegramAPI) -> dict[str, str]:
    return {
        "HAILONG_DATABASE_URL": url,
        "HAILONG_SECRET_KEY": "bench-secret-not-for-production",
        "HAILONG_TELEGRAM_TOKEN": TOKEN,
        "HAILONG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "HAILONG_TELEGRAM_API_BASE": api.base_url,
        "HAILONG_TELEGRAM_BOT_USERNAME": "hailong_bench_bot",
    }


def measure(
    database: str, url: str, api: FakeTelegramAPI, surveys: int, at_once: int, only: str | None
) -> list[tuple[Phase, Phase]]:
    """Each phase in ROUNDS rounds, each round of the app followed by a round of the bare
    route as long in requests: both meet the same load of the machine, which other work
    shares."""
    blocks = -(-surveys // SURVEYS_PER_COUNTER)
    seeded = seed(url, counters=1 + 2 * blocks)
    env = app_env(url, api)
    updates = Updates()
    per_round = max(1, surveys // ROUNDS)
    pairs: list[tuple[Phase, Phase]] = []
    with (
        serve("answer_path_app:app_factory", env) as app,
        serve("answer_path_app:bare_app_factory", env) as bare,
    ):
        rss_start, rss_bare = app.stats()["rss_kb"], bare.stats()["rss_kb"]
        # Warm up (imports, templates, the pool, lazily built models); not counted.
        warm = Load(app.port)
        web = WebCitizens(warm, seeded.tokens[:1], draw_pages=True)
        asyncio.run(run_citizens(warm, 2, 2, web.survey))
        chat = TelegramCitizens(warm, api, seeded.payload, updates, 800_000_000)
        asyncio.run(run_citizens(warm, 2, 2, chat.survey))
        for web_like in (True, False):
            bare_phase(bare, rss_bare, _one_request(), at_once, web_like, warm_up=True)
        phases = []
        if only in (None, "web"):
            phases += [("web POST", 1), ("web walk", 1 + blocks)]
        if only in (None, "telegram"):
            phases.append(("telegram", 0))
        for name, offset in phases:
            total: Phase | None = None
            total_bare: Phase | None = None
            done_before, _ = finished(url)
            for number in range(ROUNDS):
                first = number * per_round
                load = Load(app.port)
                citizens: WebCitizens | TelegramCitizens
                if name == "telegram":
                    citizens = TelegramCitizens(
                        load, api, seeded.payload, updates, 900_000_000 + first
                    )
                else:
                    citizens = WebCitizens(
                        load, seeded.tokens[offset:], draw_pages=name == "web walk"
                    )
                    citizens.first = first
                part = measured(name, app, rss_start, load, per_round, at_once, citizens.survey)
                part.answers = citizens.answers
                total = merged(total, part)
                web_like = name != "telegram"
                total_bare = merged(total_bare, bare_phase(bare, rss_bare, part, at_once, web_like))
            done_after, _ = finished(url)
            if done_after - done_before != per_round * ROUNDS:
                raise SystemExit(f"{database} {name}: {done_after - done_before} finished")
            assert total is not None and total_bare is not None
            pairs.append((total, total_bare))
    return pairs


def _one_request() -> Phase:
    return Phase("", 1, 1.0, 0.0, 0.0, {}, {}, (0, 0))


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(database: str, phase: Phase, bare: Phase) -> list[str]:
    main_kind = {"web POST": "POST page", "web walk": None, "telegram": "POST webhook"}[phase.name]
    ratio = phase.rps / bare.rps
    lines = [
        f"{database} {phase.name}: {phase.rps:7.1f} requests/s ({phase.requests} in "
        f"{phase.seconds:.2f} s, {phase.answers / phase.seconds:.1f} answers/s) | bare "
        f"{bare.rps:7.1f} requests/s | ratio {ratio:.3f}",
        f"  server CPU/request {1000 * phase.server_cpu / phase.requests:.2f} ms "
        f"(bare {1000 * bare.server_cpu / bare.requests:.2f} ms); load generator CPU/request "
        f"{1000 * phase.client_cpu / phase.requests:.2f} ms "
        f"(bare run {1000 * bare.client_cpu / bare.requests:.2f} ms)",
        f"  RSS {phase.rss_kb[0] / 1024:.0f} MB at start, {phase.rss_kb[1] / 1024:.0f} MB after "
        f"(bare {bare.rss_kb[1] / 1024:.0f} MB)",
    ]
    for kind, values in sorted(phase.latencies.items()) + sorted(bare.latencies.items()):
        requests, count = phase.statements.get(kind, bare.statements.get(kind, [0, 0]))
        statements = count / requests if requests else float("nan")
        mark = " <-" if kind == main_kind else ""
        lines.append(
            f"  {kind:<15} n={len(values):5d} p50 {_ms(values, 0.5):6.1f} ms  p95 "
            f"{_ms(values, 0.95):6.1f} ms  p99 {_ms(values, 0.99):6.1f} ms  "
            f"SQL/request {statements:5.2f}{mark}"
        )
    if main_kind is not None:
        values = phase.latencies[main_kind]
        p50, p95 = _ms(values, 0.5), _ms(values, 0.95)
        lines.append(f"  {main_kind}: p95/p50 = {p95 / p50:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", choices=["web", "telegram"])
    parser.add_argument("--database", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    api = FakeTelegramAPI(token=TOKEN).start()
    print(
        f"answer path: {args.surveys} whole surveys per phase, {args.concurrency} citizens at "
        "a time, one uvicorn process each, keep-alive HTTP/1.1 load generator, fake Bot API"
    )
    try:
        if args.database in (None, "sqlite"):
            with sqlite_database() as url:
                for phase, bare in measure(
                    "sqlite", url, api, args.surveys, args.concurrency, args.only
                ):
                    print("\n".join(report("sqlite", phase, bare)), flush=True)
        if args.database in (None, "postgresql"):
            with postgres_database(args.postgres) as url:
                for phase, bare in measure(
                    "postgresql", url, api, args.surveys, args.concurrency, args.only
                ):
                    print("\n".join(report("postgresql", phase, bare)), flush=True)
    finally:
        api.stop()


if __name__ == "__main__":
    main()
