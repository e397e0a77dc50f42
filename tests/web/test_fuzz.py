"""Generated bodies to every public POST route and to the Telegram webhook: never a 5xx, and a
refusal (4xx) changes no row of any table.

The routes come from the app's own route table, so a new POST route is fuzzed without a change
here; path parameters are filled with live values (the counter's token, a page's key) or junk.
Bounded: FUZZ_EXAMPLES bodies per route, no deadline; derandomized under CI so a run is
repeatable.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from hailong.app import create_app
from hailong.models import Base
from hailong.settings import Settings
from survey_flows import load_builtin
from tests.conftest import in_ci
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import webhook_headers
from tests.telegram.conftest import telegram_settings_for
from tests.web.conftest import Place, seed_place
from tests.web.plan import start_id

FUZZ_EXAMPLES = int(os.environ.get("HAILONG_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=in_ci(),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WEBHOOK = "/webhook/telegram"
QUESTIONNAIRE = load_builtin()
FIELD_NAMES = ["start_id", *(q.key for q in QUESTIONNAIRE.questions())]
ANSWER_CODES = sorted(
    {option.code for q in QUESTIONNAIRE.questions() for option in q.options}
    | {"yes", "no", "other", "1", "5", "P1;P4"}
)
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=fuzz",
    "application/json",
    "text/plain",
    "",
]
Request = dict[str, Any]


def digest(engine: Engine) -> str:
    """Every row of every table, hashed: equal before and after means nothing changed."""
    hashed = hashlib.sha256()
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            hashed.update(table.name.encode())
            for row in rows:
                hashed.update(repr(tuple(row)).encode())
    return hashed.hexdigest()


def post_routes(app: FastAPI) -> list[str]:
    return sorted(set(_post_paths(app.routes, "")))


def _post_paths(routes: Iterable[BaseRoute], prefix: str) -> Iterator[str]:
    for route in routes:
        if isinstance(route, APIRoute) and "POST" in route.methods:
            yield prefix + route.path
        # FastAPI keeps an included router whole (an _IncludedRouter holding the original).
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _post_paths(included.routes, prefix + getattr(context, "prefix", ""))


# Bodies -----------------------------------------------------------------------------------

texts = st.text(max_size=120) | st.sampled_from(ANSWER_CODES)
form_fields = st.lists(
    st.tuples(st.sampled_from(FIELD_NAMES) | st.text(max_size=12), texts), max_size=12
)


@st.composite
def form_request(draw: st.DrawFn, live_start_id: str) -> Request:
    choice = draw(st.sampled_from(["form", "form", "form", "raw", "oversized"]))
    if choice == "form":
        fields = draw(form_fields)
        if draw(st.booleans()):
            fields.append(("start_id", draw(st.sampled_from([live_start_id, "", "0" * 36]))))
        # Repeated names and any order, as a browser or a script may send them.
        return {"content": urlencode(fields).encode(), "content_type": CONTENT_TYPES[0]}
    if choice == "oversized":
        return {"content": b"comment=" + b"x" * 70_000, "content_type": CONTENT_TYPES[0]}
    return {
        "content": draw(st.binary(max_size=600)),
        "content_type": draw(st.sampled_from(CONTENT_TYPES)),
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.integers(min_value=-(2**63), max_value=2**63) | st.integers(min_value=1, max_value=10**6)


@st.composite
def telegram_update(draw: st.DrawFn, start_payload: str) -> dict[str, Any]:
    user = {
        "id": draw(ids),
        "is_bot": draw(st.booleans()),
        "first_name": draw(st.text(max_size=20)),
    }
    if draw(st.booleans()):
        user["language_code"] = draw(st.sampled_from(["vi", "en", "fr", "", "zz-ZZ"]))
    chat = {"id": user["id"], "type": draw(st.sampled_from(["private", "group", "channel"]))}
    message = {"message_id": draw(ids), "date": draw(ids), "chat": chat, "from": user}
    kind = draw(st.sampled_from(["text", "start", "callback", "other"]))
    update: dict[str, Any] = {"update_id": draw(ids)}
    if kind == "text":
        update["message"] = {**message, "text": draw(texts)}
    elif kind == "start":
        payload = draw(st.sampled_from([start_payload, "c_", "c_" + "A" * 22, ""]))
        update["message"] = {**message, "text": f"/start {payload}"}
    elif kind == "callback":
        data = draw(st.text(max_size=64) | st.sampled_from(["a:1", "a:5", "p:0", "s", "l:en"]))
        update["callback_query"] = {
            "id": str(draw(ids)), "from": user, "chat_instance": "x", "data": data,
            "message": {**message, "text": "?"},
        }  # fmt: skip
    else:
        update[draw(st.text(max_size=12))] = draw(json_values)
    return update


@st.composite
def webhook_request(draw: st.DrawFn, start_payload: str) -> Request:
    choice = draw(st.sampled_from(["update", "update", "json", "raw"]))
    if choice == "update":
        return {"json": draw(telegram_update(start_payload))}
    if choice == "json":
        return {"json": draw(json_values)}
    return {"content": draw(st.binary(max_size=600)), "content_type": "application/json"}


# The app under fuzzing ---------------------------------------------------------------------


@dataclass
class Target:
    app: FastAPI
    client: TestClient
    engine: Engine
    place: Place
    resume_cookie: str
    live_start_id: str

    def path_for(self, route: str, pick: Callable[[list[str]], str]) -> str:
        first_section = QUESTIONNAIRE.sections[0].key
        known = {
            # The live values most often, so that bodies reach the form's own checks.
            "token": [self.place.token] * 4 + ["A" * 22, "x"],
            "section_key": [first_section] * 6
            + [s.key for s in QUESTIONNAIRE.sections]
            + ["nope", "..", "%00"],
            "code": ["K7QM2P", "0"],
            # The office's counter pages: a live-looking id, a foreign one and nonsense.
            "counter_id": ["1", "999999", "x"],
            # The office's account pages, alike.
            "account_id": ["1", "999999", "x"],
        }
        path = route
        for name, values in known.items():
            path = path.replace("{" + name + "}", pick(values))
        assert "{" not in path, f"fill the new path parameter of {route} here"
        return path


@pytest.fixture
def target(
    settings: Settings,
    telegram_api: FakeTelegramAPI,
    sessions: sessionmaker[Session],
    engine: Engine,
) -> Iterator[Target]:
    with sessions.begin() as session:
        place = seed_place(session)
    app = create_app(telegram_settings_for(settings, telegram_api))
    wrapped = EveryRequestFromElsewhere(app)
    with TestClient(wrapped, follow_redirects=False, raise_server_exceptions=False) as client:
        landing = client.get(f"/q/{place.token}")
        live_start_id = start_id(landing.text)
        started = client.post(f"/q/{place.token}/start", data={"start_id": live_start_id})
        assert started.status_code == 303, started.text
        resume_cookie = client.cookies["hl_response"]
        client.cookies.clear()
        yield Target(
            app=app,
            client=client,
            engine=engine,
            place=place,
            resume_cookie=resume_cookie,
            live_start_id=live_start_id,
        )


class EveryRequestFromElsewhere:
    """Each request from a new client address: the guessing and start limits, which would
    soon answer every request with 429, must not end the fuzzing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            n = next(self.numbers)
            scope = {**scope, "client": (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 1)}
        await self.app(scope, receive, send)


def send(target: Target, path: str, request: Request, headers: dict[str, str]) -> None:
    before = digest(target.engine)
    content_type = request.pop("content_type", None)
    if content_type:
        headers = {**headers, "content-type": content_type}
    response = target.client.post(path, headers=headers, **request)
    target.client.cookies.clear()
    assert response.status_code < 500, (path, response.status_code, response.text[:500])
    if 400 <= response.status_code < 500:
        assert digest(target.engine) == before, (path, response.status_code)


class TestFuzz:
    def test_every_public_post_route(self, target: Target) -> None:
        routes = [path for path in post_routes(target.app) if path != WEBHOOK]
        assert routes, "no public POST route found"
        for route in routes:

            @FUZZ
            @given(
                request=form_request(target.live_start_id),
                with_cookie=st.booleans(),
                data=st.data(),
            )
            def fuzz(request: Request, with_cookie: bool, data: st.DataObject) -> None:
                path = target.path_for(route, lambda values: data.draw(st.sampled_from(values)))  # noqa: B023
                cookie = {"cookie": f"hl_response={target.resume_cookie}"} if with_cookie else {}
                send(target, path, request, cookie)

            fuzz()

    def test_the_telegram_webhook(self, target: Target) -> None:
        assert WEBHOOK in post_routes(target.app)
        payload = f"c_{target.place.token}"

        @FUZZ
        @given(request=webhook_request(payload))
        def fuzz(request: Request) -> None:
            send(target, WEBHOOK, request, webhook_headers())

        fuzz()

    def test_a_wrong_secret_is_refused_before_anything(self, target: Target) -> None:
        before = digest(target.engine)
        refused = target.client.post(WEBHOOK, json={"update_id": 1}, headers=webhook_headers("no"))
        assert refused.status_code in (401, 403)
        assert digest(target.engine) == before
