"""`hailong serve` (the production entry) and GET /healthz, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hailong.app import create_app
from hailong.settings import Settings
from tests.conftest import TEST_SECRET
from tests.infra.processes import (
    clean_environment,
    free_port,
    run_hailong,
    start_hailong,
    stop,
    wait_until_answering,
)


def healthz(database_url: str) -> httpx.Response:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, redis_url=None)
    app = create_app(settings)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get("/healthz")

    try:
        return asyncio.run(get())
    finally:
        app.state.context.engine.dispose()


class TestHealthz:
    def test_ok_when_the_database_answers(self, database_url: str) -> None:
        response = healthz(database_url)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_unavailable_when_the_sqlite_file_cannot_be_opened(self, tmp_path: Path) -> None:
        response = healthz(f"sqlite:///{tmp_path / 'no-such-folder' / 'hailong.db'}")
        assert response.status_code == 503

    def test_unavailable_when_the_postgresql_database_does_not_exist(
        self, postgres_server: str
    ) -> None:
        missing = postgres_server.rsplit("/", 1)[0] + f"/hailong_missing_{uuid.uuid4().hex[:8]}"
        response = healthz(missing)
        assert response.status_code == 503
        assert response.json() == {"status": "database unavailable"}


@pytest.fixture(scope="class")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """`hailong serve --workers 2` on a migrated SQLite copy; yields its base URL."""
    workdir = tmp_path_factory.mktemp("serve")
    database = workdir / "hailong.db"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    env = clean_environment(
        HAILONG_DATABASE_URL=f"sqlite:///{database}",
        HAILONG_SECRET_KEY=TEST_SECRET,
        HAILONG_ENVIRONMENT="production",
    )
    process = start_hailong("serve", "--port", str(port), "--workers", "2", env=env, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/healthz", process)
        yield base
    finally:
        stop(process)


class TestServe:
    def test_answers_healthz_with_two_workers(self, served: str) -> None:
        response = httpx.get(f"{served}/healthz", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_redirects_keep_https_from_the_proxy(self, served: str) -> None:
        # Behind the proxy, a redirect must send the citizen back to https, not to the
        # plain http the proxy used to reach us.
        response = httpx.get(
            f"{served}/healthz/",
            headers={"X-Forwarded-Proto": "https", "Host": "khaosat.example.vn"},
            timeout=10,
        )
        assert response.is_redirect
        assert response.headers["location"] == "https://khaosat.example.vn/healthz"

    def test_refuses_to_start_without_a_secret(self, tmp_path: Path) -> None:
        result = run_hailong(
            "serve", "--port", str(free_port()), env=clean_environment(), cwd=tmp_path
        )
        assert result.returncode != 0
        assert "HAILONG_SECRET_KEY" in result.stderr

    def test_refuses_to_start_in_production_without_a_secret(self, tmp_path: Path) -> None:
        env = clean_environment(HAILONG_ENVIRONMENT="production")
        result = run_hailong("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
        assert result.returncode != 0
        assert "HAILONG_SECRET_KEY" in result.stderr

    @pytest.mark.parametrize("how", ["option", "setting"])
    def test_refuses_to_trust_every_address_as_a_proxy(self, tmp_path: Path, how: str) -> None:
        # With *, uvicorn takes the left-most X-Forwarded-For, which the client writes itself.
        env = clean_environment(HAILONG_SECRET_KEY=TEST_SECRET)
        args = ["serve", "--port", str(free_port())]
        if how == "option":
            args += ["--forwarded-allow-ips", "10.0.0.2, *"]
        else:
            env["HAILONG_TRUSTED_PROXIES"] = "*"
        result = run_hailong(*args, env=env, cwd=tmp_path)
        assert result.returncode != 0
        assert "HAILONG_TRUSTED_PROXIES" in result.stderr
