"""Real `hailong worker` processes: killed with -9 mid-send, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import OutboxState
from hailong.models.base import utcnow
from tests.fakes.relay import FakeRelay
from tests.infra.processes import clean_environment, start_hailong, stop
from tests.outbox.conftest import messages, queue_messages, states

LEASE = 4.0


def worker_environment(database_url: str, relay: FakeRelay) -> dict[str, str]:
    return clean_environment(
        HAILONG_DATABASE_URL=database_url,
        HAILONG_OUTBOX_RELAY_URL=relay.url,
        HAILONG_OUTBOX_LEASE_SECONDS=str(LEASE),
        HAILONG_OUTBOX_SEND_TIMEOUT_SECONDS=str(LEASE / 2),
        HAILONG_OUTBOX_BACKOFF_SECONDS="0.05",
        HAILONG_OUTBOX_POLL_SECONDS="0.05",
    )


def start_worker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return start_hailong("worker", "--concurrency", "1", *args, env=env, cwd=cwd)


def wait_until(condition, seconds: float, process: subprocess.Popen[str]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited early:\n{stop(process)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s:\n{stop(process)}")
        time.sleep(0.05)


@pytest.mark.slow
class TestKilledMidSend:
    @pytest.mark.parametrize("accepted", [False, True], ids=["unanswered", "accepted"])
    def test_a_second_worker_loses_nothing_and_sends_nothing_twice(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        relay: FakeRelay,
        tmp_path: Path,
        accepted: bool,
    ) -> None:
        keys = queue_messages(sessions, 12)
        victim = keys[5]
        relay.hang = {victim}
        # Accepted: the provider took the message, and the answer never reached the worker.
        relay.deliver_before_hanging = accepted
        env = worker_environment(database_url, relay)

        first = start_worker(env, tmp_path)
        wait_until(relay.hanging.is_set, 120, first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        assert states(sessions)[victim] == OutboxState.sending
        relay.stop_hanging()

        second = start_worker(env, tmp_path)
        try:
            wait_until(lambda: relay.requests[victim] == 2, 120, second)
            wait_until(lambda: states(sessions)[victim] == OutboxState.sent, 30, second)
            # Taken again only once the killed worker's lease was over.
            assert time.monotonic() - killed_at >= LEASE - 1.0
        finally:
            output = stop(second)
        assert "Worker stopped" in output
        assert relay.delivered() == dict.fromkeys(keys, 1)
        # Accepted before the kill: the resend carries the same idempotency key, and the
        # provider recognises it.
        assert relay.duplicates == (1 if accepted else 0)
        stored = messages(sessions)
        assert {k: m.state for k, m in stored.items()} == dict.fromkeys(keys, OutboxState.sent)
        assert stored[victim].attempts == 2
        assert {stored[k].attempts for k in keys if k != victim} == {1}


def sending_one(
    database_url: str, sessions: sessionmaker[Session], relay: FakeRelay, cwd: Path
) -> tuple[str, subprocess.Popen[str]]:
    """A worker in the middle of sending a message the receiver holds on to."""
    [key] = queue_messages(sessions, 1)
    relay.hang = {key}
    worker = start_worker(worker_environment(database_url, relay), cwd)
    wait_until(relay.hanging.is_set, 120, worker)
    return key, worker


@pytest.mark.slow
class TestStopping:
    def test_sigterm_lets_the_message_being_sent_finish(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        relay: FakeRelay,
        tmp_path: Path,
    ) -> None:
        key, worker = sending_one(database_url, sessions, relay, tmp_path)
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert worker.poll() is None, "it left without waiting for its message"
        relay.stop_hanging()
        assert worker.wait(10) == 0
        output = stop(worker)
        assert "sent at attempt 1" in output
        assert states(sessions)[key] == OutboxState.sent
        assert relay.delivered() == {key: 1}

    def test_a_second_signal_hands_the_message_back_at_once(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        relay: FakeRelay,
        tmp_path: Path,
    ) -> None:
        key, worker = sending_one(database_url, sessions, relay, tmp_path)
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        worker.send_signal(signal.SIGINT)
        assert worker.wait(10) == 0
        output = stop(worker)
        assert "handed back unsent" in output
        message = messages(sessions)[key]
        # Due again at once, for any worker: no need to wait for the lease.
        assert message.state == OutboxState.pending
        assert message.available_at.replace(tzinfo=None) <= utcnow().replace(tzinfo=None)
        assert message.recipient is not None
