"""A PostgreSQL cluster of a test's own, on a free port in a temporary directory, that the
test may pause (SIGSTOP) and resume: a hung database, without touching the shared server.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user, in a
directory that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.infra.processes import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (BIN / "initdb").exists() and (os.geteuid() != 0 or _postgres_user() is not None)


def _postgres_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class PausablePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pids(self) -> list[int]:
        """The postmaster and every process it started (backends, writers...)."""
        postmaster = int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == postmaster:
                children.append(int(entry.name))
        return [postmaster, *children]

    def pause(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)


@contextmanager
def pausable_postgres() -> Iterator[PausablePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="hailong-pg-"))
    user = _postgres_user()
    if os.geteuid() == 0 and user is not None:
        os.chown(directory, user.pw_uid, user.pw_gid)
    cluster = PausablePostgres(directory=directory, port=free_port())
    data = directory / "data"
    run = {"check": True, "capture_output": True, "stdin": subprocess.DEVNULL}
    subprocess.run(
        _as_owner([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        **run,  # type: ignore[arg-type]
    )
    options = f"-p {cluster.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    subprocess.run(
        _as_owner([*pg_ctl, "-o", options, "-l", str(directory / "log"), "start"]),
        **run,  # type: ignore[arg-type]
    )
    try:
        yield cluster
    finally:
        with contextlib.suppress(OSError, ValueError):
            cluster.resume()  # a stopped postmaster cannot shut down
        subprocess.run(
            _as_owner([*pg_ctl, "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        shutil.rmtree(directory, ignore_errors=True)
