"""Zalo delivers every event three times, to two app processes sharing one PostgreSQL.

Two real servers (uvicorn, `hailong.asgi:app_factory`) take the deliveries at the same
moment; the worker sends what they queue to the fake OpenAPI. Each event is acted on once:
one response, each answer once, the tallies clean; and each reply reaches the citizen once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Channel, ResponseStatus
from survey_flows import Questionnaire
from tests.conftest import TEST_SECRET
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram.conftest import Office, only_response, stored_answers
from tests.telegram.plan import PLAN
from tests.telegram.test_survey import hailong_command
from tests.web.server import RunningServer, free_port, run_server
from tests.zalo.conftest import CITIZEN, open_messages
from tests.zalo.phone import (
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    OA_SECRET,
    WEBHOOK_PATH,
    Phone,
    answer,
)

COPIES = 3


@pytest.fixture
def servers(database_url: str, zalo_api: FakeZaloAPI) -> Iterator[tuple[RunningServer, ...]]:
    with ExitStack() as stack:
        started = []
        for _ in range(2):
            port = free_port()
            env = {
                "HAILONG_DATABASE_URL": database_url,
                "HAILONG_SECRET_KEY": TEST_SECRET,
                "HAILONG_BASE_URL": f"http://127.0.0.1:{port}",
                "HAILONG_ZALO_APP_ID": APP_ID,
                "HAILONG_ZALO_OA_SECRET": OA_SECRET,
                "HAILONG_ZALO_APP_SECRET": APP_SECRET,
                "HAILONG_ZALO_ACCESS_TOKEN": FIRST_ACCESS,
                "HAILONG_ZALO_REFRESH_TOKEN": FIRST_REFRESH,
                "HAILONG_ZALO_API_BASE": zalo_api.base_url,
                "HAILONG_ZALO_OAUTH_BASE": zalo_api.base_url,
                # Two servers and the tests on two cores: Zalo's 2 s would be too tight here.
                "HAILONG_ZALO_WEBHOOK_DEADLINE_SECONDS": "20",
            }
            started.append(stack.enter_context(run_server(env, port)))
        yield tuple(started)


# PostgreSQL only: SQLite is the embedded default of one process.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
class TestEveryEventThreeTimes:
    def test_one_response_every_answer_once_every_reply_once(
        self,
        servers: tuple[RunningServer, ...],
        office: Office,
        questionnaire: Questionnaire,
        zalo_api: FakeZaloAPI,
        sessions: sessionmaker[Session],
        engine: Engine,
        database_url: str,
        worker: None,
    ) -> None:
        urls = [server.url + WEBHOOK_PATH for server in servers]
        pool = ThreadPoolExecutor(COPIES)
        http = httpx.Client(timeout=30)
        events = 0

        def post(body: bytes, headers: Mapping[str, str]) -> httpx.Response:
            nonlocal events
            events += 1
            copies = [
                pool.submit(http.post, urls[copy % 2], content=body, headers=dict(headers))
                for copy in range(COPIES)
            ]
            answers = [copy.result() for copy in copies]
            assert [a.status_code for a in answers] == [200] * COPIES
            return answers[0]

        def settle() -> None:
            zalo_api.wait_for(lambda: open_messages(sessions) == 0)

        phone = Phone(user_id=CITIZEN, post=post, api=zalo_api, settle=settle)
        try:
            phone.send(office.short_code)
            for key, value in PLAN.items():
                answer(phone, questionnaire.question(key), value, procedure_names=office.procedures)
        finally:
            pool.shutdown()
            http.close()

        assert "Cảm ơn" in phone.last.text
        # One message per event: none lost, none sent twice.
        assert len(phone.messages()) == events
        response = only_response(engine)
        assert (response.channel, response.status) == (Channel.zalo, ResponseStatus.completed)
        assert stored_answers(engine) == dict(PLAN)
        checked = hailong_command(database_url, "tallies", "check")
        assert checked.exit_code == 0, checked.output
