"""Guessing short codes and tokens is limited per client address, and the address is the one the
proxy saw, not one the client wrote into X-Forwarded-For."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.counters import service as counters
from hailong.counters.tokens import new_short_code
from hailong.errors import HailongError
from hailong.models import Counter, TokenState
from hailong.settings import Settings
from hailong.web.guessing import MISSES
from tests.factories import make_counter, make_unit
from tests.infra.processes import (
    clean_environment,
    free_port,
    start_hailong,
    stop,
    wait_until_answering,
)
from tests.web.conftest import Place, ServedDatabase

ROOT = Path(__file__).resolve().parents[2]
VIETNAMESE = "Vui lòng đợi vài phút"
ENGLISH = "Please wait a few minutes"


def client_at(settings: Settings, address: str) -> TestClient:
    return TestClient(create_app(settings), client=(address, 40000), follow_redirects=False)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["retry-after"].isdigit()
    text = response.text
    assert VIETNAMESE in text and ENGLISH in text
    assert text.index(VIETNAMESE) < text.index(ENGLISH)


class TestMissesPerAddress:
    def test_after_too_many_misses_even_a_real_counter_waits(
        self, settings: Settings, place: Place
    ) -> None:
        with client_at(settings, "203.0.113.9") as guesser:
            for _ in range(MISSES):
                assert guesser.get(f"/c/{new_short_code()}").status_code == 404
            # Locked out before any lookup: a hit would otherwise tell the guesser it won.
            assert_refused(guesser.get(f"/c/{new_short_code()}"))
            assert_refused(guesser.get(f"/q/{place.token}"))
            assert_refused(guesser.post(f"/q/{place.token}/start", data={"start_id": "x"}))
            assert guesser.get("/healthz").status_code == 200  # no secret in that path

    def test_another_address_is_not_held_up(self, settings: Settings, place: Place) -> None:
        app = create_app(settings)
        with TestClient(app, client=("203.0.113.9", 1)) as guesser:
            for _ in range(MISSES + 1):
                guesser.get(f"/q/{secrets.token_urlsafe(16)}")
        with TestClient(app, client=("198.51.100.4", 1), follow_redirects=False) as citizen:
            assert citizen.get(f"/q/{place.token}").status_code == 200

    def test_a_citizen_with_a_few_old_posters_goes_on(
        self, settings: Settings, place: Place
    ) -> None:
        with client_at(settings, "203.0.113.9") as citizen:
            for _ in range(MISSES - 1):
                assert citizen.get(f"/c/{new_short_code()}").status_code == 404
            assert citizen.get(f"/q/{place.token}").status_code == 200


class TestSameWorkForUnknownAndRevoked:
    """An unknown code and a revoked one cost the same database work, so their answers take
    the same time (bench/ measures it)."""

    @pytest.fixture
    def statements(self, engine: Engine) -> Iterator[list[str]]:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        yield seen
        event.remove(engine, "before_cursor_execute", count)

    def test_short_codes(self, sessions: sessionmaker[Session], statements: list[str]) -> None:
        with sessions.begin() as session:
            unit = make_unit(session)
            live_counter, live = make_counter(session, unit, name="Quầy 1")
            _, revoked = make_counter(session, unit, name="Quầy 2")
            _, replaced = make_counter(session, unit, name="Quầy 3")
            counters.revoke(session, session.get(Counter, revoked.counter_id))
            counters.rotate(session, session.get(Counter, replaced.counter_id))
            codes = {
                "live": live.short_code,
                "revoked": revoked.short_code,
                "replaced": replaced.short_code,
                "unknown": new_short_code(),
            }
        assert live_counter.active
        cost = {}
        for name, code in codes.items():
            with sessions() as session:
                statements.clear()
                with suppress(HailongError):
                    counters.resolve_short_code(session, code)
                cost[name] = len(statements)
        assert len(set(cost.values())) == 1, cost

    def test_tokens(self, sessions: sessionmaker[Session], statements: list[str]) -> None:
        with sessions.begin() as session:
            unit = make_unit(session)
            _, revoked = make_counter(session, unit, name="Quầy 2")
            counters.revoke(session, session.get(Counter, revoked.counter_id))
            tokens = {"revoked": revoked.token, "unknown": secrets.token_urlsafe(16)}
            assert revoked.state == TokenState.revoked
        cost = {}
        for name, token in tokens.items():
            with sessions() as session:
                statements.clear()
                with pytest.raises(HailongError):
                    counters.resolve_token(session, token)
                cost[name] = len(statements)
        assert cost["revoked"] == cost["unknown"], cost


def image_command(port: int) -> list[str]:
    """The Dockerfile's CMD, listening on 127.0.0.1:`port` instead of the container's port."""
    found = re.search(r"^CMD \[(.*)\]", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert found
    words = json.loads(f"[{found.group(1)}]")
    assert words[:2] == ["hailong", "serve"]
    words[words.index("--host") + 1] = "127.0.0.1"
    words[words.index("--port") + 1] = str(port)
    return words[1:]


@pytest.fixture
def two_servers(
    served_database: ServedDatabase, redis_url: str, redis_prefix: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """Two app processes, started as the image starts them, sharing one database and Redis;
    we stand in for the proxy on 127.0.0.1."""
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            port = free_port()
            env = clean_environment(
                **served_database.env(),
                HAILONG_REDIS_URL=redis_url,
                HAILONG_REDIS_PREFIX=redis_prefix,
                HAILONG_TRUSTED_PROXIES="127.0.0.1",
            )
            process = start_hailong(*image_command(port), env=env, cwd=tmp_path)
            stack.callback(stop, process)
            url = f"http://127.0.0.1:{port}"
            wait_until_answering(f"{url}/healthz", process)
            urls.append(url)
        yield urls[0], urls[1]


class TestAcrossTwoProcesses:
    def test_a_forged_forwarded_for_does_not_escape_the_limit(
        self, two_servers: tuple[str, str], served_database: ServedDatabase
    ) -> None:
        with httpx.Client(timeout=10) as http:

            def guess(n: int, appended: str = "203.0.113.50") -> httpx.Response:
                # The client writes any address it likes; the proxy appends the one it saw.
                forged = f"10.0.{n // 250}.{n % 250}, {appended}"
                return http.get(
                    f"{two_servers[n % 2]}/c/{new_short_code()}",
                    headers={"X-Forwarded-For": forged},
                )

            assert [guess(n).status_code for n in range(MISSES)] == [404] * MISSES
            # The misses of both processes add up in Redis: both refuse now.
            assert_refused(guess(MISSES))
            assert_refused(guess(MISSES + 1))
            token = served_database.place.token
            for url in two_servers:
                assert_refused(
                    http.get(f"{url}/q/{token}", headers={"X-Forwarded-For": "203.0.113.50"})
                )
            # A citizen the proxy saw at another address is served.
            other = http.get(
                f"{two_servers[0]}/q/{token}", headers={"X-Forwarded-For": "198.51.100.7"}
            )
            assert other.status_code == 200
