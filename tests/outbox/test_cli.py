"""`hailong outbox`, `hailong outbox failed|retry` and `hailong worker --once`, as an operator
runs them."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from hailong.models import OutboxState
from tests.fakes.relay import FakeRelay
from tests.infra.processes import clean_environment, run_hailong
from tests.outbox.conftest import FAST, messages, queue_messages

Hailong = Callable[..., Result]


@pytest.fixture
def hailong(database_url: str, relay: FakeRelay) -> Hailong:
    """`hailong ARGS...` in-process, with the relay pointing at the fake and two attempts."""
    app = build_cli()
    base: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    base |= {f"HAILONG_{name.upper()}": str(value) for name, value in FAST.items()}
    base |= {
        "HAILONG_DATABASE_URL": database_url,
        "HAILONG_OUTBOX_RELAY_URL": relay.url,
        "HAILONG_OUTBOX_MAX_ATTEMPTS": "2",
    }

    def run(*args: str, **env: str) -> Result:
        return CliRunner().invoke(app, list(args), env={**base, **env})

    return run


def counts(hailong: Hailong) -> dict[str, dict[str, Any]]:
    result = hailong("outbox", "--format", "json")
    assert result.exit_code == 0, result.output
    return {row.pop("channel"): row for row in json.loads(result.stdout)}


def work_until(hailong: Hailong, done: Callable[[], bool], **env: str) -> None:
    """`hailong worker --once` again until `done`: --once leaves a retry that is not due yet."""
    for _ in range(50):
        result = hailong("worker", "--once", **env)
        assert result.exit_code == 0, result.output
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not get there")


class TestCounts:
    def test_an_empty_outbox_says_so(self, hailong: Hailong) -> None:
        result = hailong("outbox")
        assert result.exit_code == 0
        assert "The outbox is empty" in result.stdout
        assert counts(hailong) == {}

    def test_counts_by_state_and_channel(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        queue_messages(sessions, 3)
        queue_messages(sessions, 2, prefix="z", channel="zalo")
        shown = counts(hailong)
        assert shown["relay"] == {
            "pending": 3,
            "sending": 0,
            "sent": 0,
            "failed": 0,
            "longest_wait": shown["relay"]["longest_wait"],
        }
        relay.always = 400
        assert hailong("worker", "--once").exit_code == 0
        shown = counts(hailong)
        assert (shown["relay"]["failed"], shown["relay"]["pending"]) == (3, 0)
        # Nobody sends Zalo here: its messages wait, and how long shows.
        assert shown["zalo"]["pending"] == 2
        table = hailong("outbox").stdout
        assert "relay" in table and "zalo" in table


class TestWorkerOnce:
    def test_sends_what_is_due_and_prints_no_personal_data(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        keys = queue_messages(sessions, 4)
        result = hailong("worker", "--once", "--concurrency", "2")
        assert result.exit_code == 0, result.output
        assert relay.delivered() == dict.fromkeys(keys, 1)
        assert "2 messages at a time, through relay" in result.stdout
        assert result.stdout.count("sent at attempt 1") == 4
        assert "Worker stopped: 4 sent" in result.stdout
        assert "@example.vn" not in result.output and "Câu hỏi số" not in result.output

    def test_without_any_sender_it_says_so_and_sends_nothing(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        queue_messages(sessions, 1)
        result = hailong("worker", "--once", HAILONG_OUTBOX_RELAY_URL="")
        assert result.exit_code == 0
        assert "No channel has a sender configured" in result.stderr
        assert counts(hailong)["relay"]["pending"] == 1


class TestDatabaseTrouble:
    def test_a_worker_on_a_database_without_tables_says_what_to_do(
        self, tmp_path: Path, relay: FakeRelay
    ) -> None:
        env = clean_environment(
            HAILONG_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}",
            HAILONG_OUTBOX_RELAY_URL=relay.url,
        )
        result = run_hailong("worker", "--once", env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert "hailong db upgrade" in result.stderr
        assert "Traceback" not in result.stderr


class TestFailedAndRetry:
    def test_failed_lists_the_last_error_and_retry_needs_a_choice(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        queue_messages(sessions, 2)
        relay.always = 400
        assert hailong("worker", "--once").exit_code == 0
        listed = json.loads(hailong("outbox", "failed", "--format", "json").stdout)
        assert [m["last_error"] for m in listed] == ["HTTP 400 Bad Request"] * 2
        assert {m["can_retry"] for m in listed} == {False}
        assert "HTTP 400 Bad Request" in hailong("outbox", "failed").stdout
        refused = hailong("outbox", "retry")
        assert refused.exit_code == 1
        assert "--id" in refused.stderr

    def test_an_erased_recipient_cannot_be_sent_again(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        queue_messages(sessions, 2)
        relay.always = 400
        assert hailong("worker", "--once").exit_code == 0
        result = hailong("outbox", "retry", "--failed")
        assert result.exit_code == 0
        assert "0 messages queued again" in result.stdout
        assert "2 failed messages cannot be sent again" in result.stderr
        assert counts(hailong)["relay"]["failed"] == 2

    def test_a_kept_recipient_is_sent_again_after_the_provider_is_back(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        keys = queue_messages(sessions, 3)
        relay.always = 503
        keep = {"HAILONG_OUTBOX_KEEP_FAILED_HOURS": "24"}
        work_until(hailong, lambda: counts(hailong)["relay"]["failed"] == 3, **keep)
        relay.always = None
        result = hailong("outbox", "retry", "--failed", **keep)
        assert result.exit_code == 0
        assert "3 messages queued again" in result.stdout
        assert hailong("worker", "--once", **keep).exit_code == 0
        assert relay.delivered() == dict.fromkeys(keys, 1)
        stored = messages(sessions)
        assert {(m.state, m.attempts, m.recipient) for m in stored.values()} == {
            (OutboxState.sent, 1, None)
        }

    def test_retry_by_id_says_what_it_left_alone(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        keys = queue_messages(sessions, 2)
        assert hailong("worker", "--once").exit_code == 0
        sent = messages(sessions)[keys[0]].id
        result = hailong("outbox", "retry", "--id", str(sent), "--id", "999999")
        assert result.exit_code == 1
        assert f"Message {sent} was sent already" in result.stderr
        assert "There is no message 999999" in result.stderr
        assert relay.delivered() == dict.fromkeys(keys, 1)

    def test_retry_by_id_brings_a_waiting_message_forward(
        self, hailong: Hailong, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        [key] = queue_messages(sessions, 1)
        relay.fail_first = 1
        long_wait = {
            "HAILONG_OUTBOX_BACKOFF_SECONDS": "3600",
            "HAILONG_OUTBOX_BACKOFF_MAX_SECONDS": "3600",
        }
        assert hailong("worker", "--once", **long_wait).exit_code == 0
        assert messages(sessions)[key].state == OutboxState.pending
        result = hailong("outbox", "retry", "--id", str(messages(sessions)[key].id))
        assert result.exit_code == 0, result.output
        assert hailong("worker", "--once", **long_wait).exit_code == 0
        assert relay.delivered() == {key: 1}
