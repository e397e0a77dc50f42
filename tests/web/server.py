"""A real server in a child process, for tests that need one (browser, kill -9, chats).

    with run_server({"HAILONG_DATABASE_URL": url, ...}, free_port()) as server:
        httpx.get(f"{server.url}/healthz")

The child gets this process's environment minus every HAILONG_* variable, plus `env`; it
runs `python -m uvicorn hailong.asgi:app_factory --factory`, and the context manager returns
once /healthz answers 200. Its output goes to a log file, shown if it fails to start.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.infra.processes import clean_environment, free_port

__all__ = ["RunningServer", "free_port", "run_server"]


@dataclass(frozen=True)
class RunningServer:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def run_server(
    env: Mapping[str, str], port: int, *, timeout: float = 60
) -> Iterator[RunningServer]:
    """Serve the app on 127.0.0.1:`port` until the block ends (or the test kills it)."""
    with tempfile.NamedTemporaryFile(
        prefix="hailong-server-", suffix=".log", delete=False
    ) as log_file:
        log_path = Path(log_file.name)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hailong.asgi:app_factory",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=clean_environment(**env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        _wait_until_healthy(server, timeout)
        yield server
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)


def _wait_until_healthy(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(
        f"{server.url}/healthz did not answer 200 within {timeout} s:\n{server.log()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
