"""A `hailong worker` killed with -9 while Zalo has not answered: the next worker sends every
question, in order, and none is lost."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import ChannelCredential
from tests.fakes.zalo_api import FakeZaloAPI
from tests.infra.processes import clean_environment, start_hailong, stop
from tests.telegram.conftest import Office
from tests.zalo.conftest import CITIZEN, open_messages
from tests.zalo.phone import (
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    OA_SECRET,
    WEBHOOK_PATH,
    Events,
    signed,
)

LEASE = 4.0


def stored_pair_is_zalos(sessions: sessionmaker[Session], zalo_api: FakeZaloAPI) -> bool:
    with sessions() as session:
        stored = session.scalar(select(ChannelCredential.access_token))
    return stored == zalo_api.access_token


@pytest.mark.slow
class TestKilledMidSend:
    def test_the_next_worker_sends_every_question_in_order(
        self,
        client: TestClient,
        office: Office,
        zalo_api: FakeZaloAPI,
        database_url: str,
        sessions: sessionmaker[Session],
        tmp_path: Path,
    ) -> None:
        events = Events()
        for text in (office.short_code, "da nhan", "khac"):
            body, headers = signed(events.text(CITIZEN, text))
            assert client.post(WEBHOOK_PATH, content=body, headers=headers).status_code == 200
        # Queued, one after another, for a worker to send.
        assert open_messages(sessions) == 3
        env = clean_environment(
            HAILONG_DATABASE_URL=database_url,
            HAILONG_SECRET_KEY="test-secret-not-for-production",
            HAILONG_ZALO_APP_ID=APP_ID,
            HAILONG_ZALO_OA_SECRET=OA_SECRET,
            HAILONG_ZALO_APP_SECRET=APP_SECRET,
            HAILONG_ZALO_ACCESS_TOKEN=FIRST_ACCESS,
            HAILONG_ZALO_REFRESH_TOKEN=FIRST_REFRESH,
            HAILONG_ZALO_API_BASE=zalo_api.base_url,
            HAILONG_ZALO_OAUTH_BASE=zalo_api.base_url,
            HAILONG_OUTBOX_LEASE_SECONDS=str(LEASE),
            HAILONG_OUTBOX_SEND_TIMEOUT_SECONDS=str(LEASE / 2),
            HAILONG_OUTBOX_BACKOFF_SECONDS="0.05",
            HAILONG_OUTBOX_POLL_SECONDS="0.05",
        )
        zalo_api.hang_next = True
        first = start_hailong("worker", "--concurrency", "1", env=env, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 120
            # Killed mid-send, not mid-renewal: the settings' pair is renewed at once (its
            # lifetime is unknown), and a worker killed between Zalo's new single-use pair and
            # its commit loses the pair, as it would with the real Zalo.
            while not (zalo_api.hanging.is_set() and stored_pair_is_zalos(sessions, zalo_api)):
                assert time.monotonic() < deadline, stop(first)
                time.sleep(0.05)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            stop(first)
        zalo_api.release()
        assert zalo_api.chat(CITIZEN) == []

        second = start_hailong("worker", "--concurrency", "1", env=env, cwd=tmp_path)
        try:
            zalo_api.wait_for(lambda: open_messages(sessions) == 0, seconds=120)
        finally:
            stop(second)
        texts = [m.text for m in zalo_api.chat(CITIZEN)]
        assert len(texts) == 3
        assert office.unit_name in texts[0]
        assert "Câu 2/" in texts[1] and "Câu 3/" in texts[2]
