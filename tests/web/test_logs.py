"""What a real server writes in its log: paths with tokens and short codes masked, no client
address unless an operator turned them on for a while, and no traceback for a client that
hung up mid-body."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from hailong.app import create_app
from hailong.models import CounterToken
from hailong.settings import Settings
from hailong.web.redaction import masked_path, masked_target
from tests.web.conftest import Place, ServedDatabase
from tests.web.server import RunningServer, free_port, run_server


def short_code_of(served: ServedDatabase) -> str:
    from sqlalchemy import create_engine, select

    engine = create_engine(served.url)
    with engine.connect() as connection:
        code = connection.scalar(select(CounterToken.short_code))
    engine.dispose()
    assert code
    return code


def visit_everything(server: RunningServer, served: ServedDatabase) -> tuple[str, str]:
    token, code = served.place.token, short_code_of(served)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        http.get(f"/c/{code}")
        http.get(f"/q/{token}?lang=en")
        http.get(f"/q/{token}/p/screening")
        http.get(f"/q/{token}/qr.svg")
        http.get("/q/no-such-token-at-all-0000")
    return token, code


def log_after(server: RunningServer, requests: int) -> str:
    # Access lines are written once each answer is sent: wait until they are all there.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = server.log()
        if text.count('HTTP/1.1"') >= requests:
            return text
        time.sleep(0.05)
    return server.log()


class TestAccessLog:
    def test_no_token_no_short_code_no_address(self, served_database: ServedDatabase) -> None:
        with run_server(served_database.env(), free_port()) as server:
            token, code = visit_everything(server, served_database)
            log = log_after(server, 5)
        assert '- "GET /q/…?lang=… HTTP/1.1" 200' in log
        assert '- "GET /c/… HTTP/1.1" 303' in log
        assert '- "GET /q/…/p/screening HTTP/1.1" 303' in log
        assert '- "GET /q/…/qr.svg HTTP/1.1" 200' in log
        assert '- "GET /q/… HTTP/1.1" 404' in log
        assert token not in log
        assert code not in log
        assert "no-such-token" not in log
        assert "127.0.0.1:" not in log.split("Uvicorn running on")[-1].split("\n", 1)[-1]

    def test_addresses_while_an_operator_asks_for_them(
        self, served_database: ServedDatabase
    ) -> None:
        until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        env = {**served_database.env(), "HAILONG_LOG_CLIENT_ADDRESSES_UNTIL": until}
        with run_server(env, free_port()) as server:
            token, _ = visit_everything(server, served_database)
            log = log_after(server, 5)
        assert "127.0.0.1:" in log.split("Uvicorn running on")[-1].split("\n", 1)[-1]
        assert token not in log  # tokens stay masked all the same

    def test_no_addresses_once_that_time_has_passed(self, served_database: ServedDatabase) -> None:
        env = {**served_database.env(), "HAILONG_LOG_CLIENT_ADDRESSES_UNTIL": "2020-01-01T08:00"}
        with run_server(env, free_port()) as server:
            visit_everything(server, served_database)
            log = log_after(server, 5)
        assert "127.0.0.1:" not in log.split("Uvicorn running on")[-1].split("\n", 1)[-1]


class TestClientGoneMidBody:
    def test_one_quiet_line_and_no_traceback(self, served_database: ServedDatabase) -> None:
        with run_server(served_database.env(), free_port()) as server:
            host, port = server.url.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port))) as connection:
                connection.sendall(
                    f"POST /q/{served_database.place.token}/start HTTP/1.1\r\n"
                    f"Host: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: 5000\r\n\r\nstart_id=12345".encode()
                )
                time.sleep(0.3)
            time.sleep(0.5)
            # The server is still well and answering.
            assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
            log = server.log()
        assert "Traceback" not in log
        assert served_database.place.token not in log


class TestErrorLog:
    def test_an_unexpected_error_names_the_path_masked(
        self, settings: Settings, place: Place, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(settings)

        @app.get("/q/{token}/explode")
        def explode(token: str) -> None:
            raise RuntimeError("boom")

        with (
            caplog.at_level(logging.ERROR),
            TestClient(app, raise_server_exceptions=False) as client,
        ):
            response = client.get(f"/q/{place.token}/explode")
        assert response.status_code == 500
        assert "unexpected error on /q/…/explode" in caplog.text
        assert place.token not in caplog.text


class TestMasking:
    @pytest.mark.parametrize(
        ("path", "masked"),
        [
            ("/q/AbC123-_x/p/screening", "/q/…/p/screening"),
            ("/q/AbC123", "/q/…"),
            ("/c/K7QM2P", "/c/…"),
            ("/i/invitation-token/answer", "/i/…/answer"),
            ("/healthz", "/healthz"),
            ("/webhook/telegram", "/webhook/telegram"),
            ("/q/", "/q/"),
            ("/static/site.css", "/static/site.css"),
        ],
    )
    def test_paths(self, path: str, masked: str) -> None:
        assert masked_path(path) == masked

    def test_query_values_are_left_out(self) -> None:
        assert masked_target("/q/tok?lang=en&resumed=1") == "/q/…?lang=…&resumed=…"
