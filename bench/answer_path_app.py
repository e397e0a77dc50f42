"""The two apps bench/answer_path.py serves, instrumented: uvicorn imports this module.

Kept apart from the load generator so the server imports only what the app itself imports
(its RSS is the app's, not the benchmark's).
"""

from __future__ import annotations

import contextvars
import os
import time
import uuid
from collections import defaultdict
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Engine, event, insert

from hailong.db import make_engine
from hailong.models import InboundEvent
from hailong.models.base import utcnow
from hailong.web.citizen.routes import Posted, posted_form

BARE_JSON = "/bench/insert"
BARE_FORM = "/bench/insert-form"
STATS = "/bench/stats"
NAMED = {
    "/webhook/telegram": "webhook",
    BARE_JSON: "bare json",
    BARE_FORM: "bare form",
}

_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "bench_statements", default=None
)


def kind_of(method: str, path: str) -> str:
    """What a request is, for the report: `POST page`, `GET landing`, `POST webhook`..."""
    path = path.split("?", 1)[0]
    if path.startswith("/q/"):
        parts = path.split("/")
        if len(parts) == 3:
            return f"{method} landing"
        return f"{method} {'page' if parts[3] == 'p' else parts[3]}"
    return f"{method} {NAMED.get(path, path)}"


def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counter = _statements.get()
    if counter is not None and not statement.lstrip().upper().startswith("BEGIN"):
        counter[0] += 1


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _Counting:
    """Counts each request's SQL statements (a context variable follows the request into
    the worker threads)."""

    def __init__(self, app: Any, totals: dict[str, list[int]]) -> None:
        self.app = app
        self.totals = totals

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == STATS:
            await self.app(scope, receive, send)
            return
        counter = [0]
        token = _statements.set(counter)
        try:
            await self.app(scope, receive, send)
        finally:
            _statements.reset(token)
            total = self.totals[kind_of(scope["method"], scope["path"])]
            total[0] += 1
            total[1] += counter[0]


def instrument(app: FastAPI) -> FastAPI:
    """Count statements by kind of request; serve them, the CPU and the RSS at STATS."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # kind: [requests, statements]
    event.listen(Engine, "before_cursor_execute", _count)

    async def stats(_request: Request) -> JSONResponse:
        return JSONResponse({"cpu": time.process_time(), "rss_kb": _rss_kb(), "kinds": totals})

    app.add_route(STATS, stats, methods=["GET"])
    app.add_middleware(_Counting, totals=totals)
    return app


def app_factory() -> FastAPI:
    """The real app, as `hailong serve` builds it."""
    from hailong.asgi import app_factory as hailong_app

    return instrument(hailong_app())


def bare_app_factory() -> FastAPI:
    """Two routes, one INSERT each in its own transaction: the cheapest write a request can
    do, after parsing the same body the real route parses (form fields, or update JSON)."""
    engine = make_engine(os.environ["HAILONG_DATABASE_URL"])
    app = FastAPI(docs_url=None, redoc_url=None)

    def insert_one() -> None:
        with engine.begin() as connection:
            connection.execute(
                insert(InboundEvent).values(
                    channel="bench", event_id=uuid.uuid4().hex, received_at=utcnow()
                )
            )

    @app.post(BARE_JSON)
    def insert_json(update: dict[str, Any]) -> JSONResponse:
        insert_one()
        return JSONResponse({"method": "sendMessage", "chat_id": 1, "text": "ok"})

    @app.post(BARE_FORM)
    def insert_form(posted: Posted = Depends(posted_form)) -> RedirectResponse:
        insert_one()
        return RedirectResponse("/q/bench/p/next", status_code=303)

    return instrument(app)
