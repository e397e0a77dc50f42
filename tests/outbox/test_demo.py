"""`hailong demo` sends the outbox itself: the worker runs in the serving process, and stops
cleanly with it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from hailong.db import make_engine, make_sessionmaker
from hailong.models import OutboxState
from tests.admin.test_demo import SURVEY_URL, Output
from tests.fakes.relay import FakeRelay
from tests.infra.processes import clean_environment, free_port, start_hailong, stop
from tests.outbox.conftest import queue_messages, states


@pytest.mark.slow
class TestDemoWorker:
    def test_messages_go_out_while_serving_and_the_last_one_finishes_on_sigterm(
        self, relay: FakeRelay, tmp_path: Path
    ) -> None:
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        env = clean_environment(
            HAILONG_DATABASE_URL=url,
            HAILONG_OUTBOX_RELAY_URL=relay.url,
            HAILONG_OUTBOX_POLL_SECONDS="0.05",
        )
        process = start_hailong("demo", "--port", str(free_port()), env=env, cwd=tmp_path)
        engine = make_engine(url)
        try:
            output = Output(process)
            output.wait_for(SURVEY_URL)
            output.wait_for(r"Uvicorn running|Application startup complete")
            sessions = make_sessionmaker(engine)
            keys = queue_messages(sessions, 3)
            relay.wait_for(lambda r: r.delivered() == dict.fromkeys(keys, 1))

            [last] = queue_messages(sessions, 1, prefix="last")
            relay.hang = {last}
            relay.hanging.wait(30)
            process.send_signal(signal.SIGTERM)
            output.wait_for(r"Shutting down|Finished server process", seconds=30)
            assert process.poll() is None, "the demo left while its worker was sending"
            relay.stop_hanging()
            output.wait_for(r"Message 4 \(relay, notice\): sent at attempt 1", seconds=30)
            assert process.wait(30) == 0
            assert states(sessions)[last] == OutboxState.sent
            assert relay.delivered() == dict.fromkeys([*keys, last], 1)
        finally:
            stop(process)
            engine.dispose()
        printed = "".join(output.seen)
        assert "Message 1 (relay, notice): sent at attempt 1" in printed
        assert "@example.vn" not in printed
