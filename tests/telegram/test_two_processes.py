"""Telegram delivers every update three times, to two app processes sharing one PostgreSQL.

Two real servers (uvicorn, `hailong.asgi:app_factory`) take the deliveries; the fake Bot API
gets their calls. Whatever the order, each update is acted on once: one response, each answer
once, the tallies counted once; and every delivery gets a reply (a repeated one, the question
the chat is on), never an empty one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.telegram.factory import WEBHOOK_PATH
from hailong.i18n import Catalogs
from hailong.models import Period, ResponseStatus, Tally
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies import verify
from hailong.tallies.layout import RESPONSES_KEY, layout_for
from survey_flows import QuestionKind, Questionnaire
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import (
    TOKEN,
    WEBHOOK_SECRET,
    Chat,
    Telegram,
    TelegramUser,
    answer_all,
    webhook_headers,
)
from tests.telegram.conftest import Office, only_response, row_counts, stored_answers
from tests.telegram.plan import PLAN, start
from tests.web.server import RunningServer, free_port, run_server

COPIES = 3
BOT = Catalogs("bot")
THANKS = "Thank you for taking part in the survey! Your answers have been recorded."
CITIZEN = TelegramUser(id=615_273_849, language_code="vi", first_name="Hằng")


@dataclass
class Redelivery:
    """Telegram's side of the run: each update goes out COPIES times, to both processes.

    `together`: the copies of an update are sent at the same moment (A, B, A).
    `interleaved`: copy k of update n goes out beside the first copy of update n+k, so repeats
    of older updates arrive between newer ones. The newest update's reply is carried out last,
    as the citizen's phone would show the newest message last.
    """

    urls: tuple[str, str]
    interleaved: bool
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    replies: Counter[int] = field(default_factory=Counter)
    deliveries: int = 0
    _pending: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(COPIES * 2))

    def __call__(self, update: dict[str, Any]) -> list[httpx.Response]:
        if not self.interleaved:
            return self._send([(update, copy) for copy in range(COPIES)])
        batch = [*self._pending, (update, 0)]
        self._pending = [(u, copy + 1) for u, copy in batch if copy + 1 < COPIES]
        return self._send(batch)

    def finish(self) -> list[httpx.Response]:
        """The repeats still owed after the last update."""
        sent: list[httpx.Response] = []
        while self._pending:
            batch, self._pending = self._pending, []
            self._pending = [(u, copy + 1) for u, copy in batch if copy + 1 < COPIES]
            sent += self._send(batch)
        return sent

    def _send(self, batch: list[tuple[dict[str, Any], int]]) -> list[httpx.Response]:
        futures = [
            self._pool.submit(self._post, self.urls[(update["update_id"] + copy) % 2], update)
            for update, copy in batch
        ]
        return [future.result() for future in futures]

    def _post(self, url: str, update: dict[str, Any]) -> httpx.Response:
        response = self.http.post(url + WEBHOOK_PATH, json=update, headers=webhook_headers())
        self.deliveries += 1
        if response.status_code == 200 and response.json():
            self.replies[update["update_id"]] += 1
        return response

    def close(self) -> None:
        self._pool.shutdown()
        self.http.close()


@pytest.fixture
def servers(
    database_url: str, telegram_api: FakeTelegramAPI
) -> Iterator[tuple[RunningServer, ...]]:
    with ExitStack() as stack:
        started = []
        for _ in range(2):
            port = free_port()
            env = {
                "HAILONG_DATABASE_URL": database_url,
                "HAILONG_SECRET_KEY": TEST_SECRET,
                "HAILONG_BASE_URL": f"http://127.0.0.1:{port}",
                "HAILONG_TELEGRAM_TOKEN": TOKEN,
                "HAILONG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "HAILONG_TELEGRAM_API_BASE": telegram_api.base_url,
            }
            started.append(stack.enter_context(run_server(env, port)))
        yield tuple(started)


def tally_totals(engine: Engine, keys: list[str]) -> dict[str, int]:
    """How many answers the tally table counts for each of `keys` (RESPONSES_KEY: responses)."""
    with Session(engine) as session:
        totals: Counter[str] = Counter()
        for questionnaire_id, counts in session.execute(
            select(Tally.questionnaire_id, Tally.counts)
        ):
            layout = layout_for(questionnaire_by_id(session, questionnaire_id))
            for key, numbers in layout.by_question(counts).items():
                if key in keys:
                    totals[key] += sum(numbers)
        return dict(totals)


def tally_differences(engine: Engine) -> list[verify.Difference]:
    with Session(engine) as session:
        period = session.scalars(select(Period)).one()
    # A session of its own: check() asks for its snapshot before its first query.
    with Session(engine) as session:
        return verify.check(session, period)


# PostgreSQL only: SQLite is the embedded default of one process.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("interleaved", [False, True], ids=["together", "interleaved"])
class TestEveryUpdateThreeTimes:
    def test_one_response_every_answer_once_tallies_counted_once(
        self,
        servers: tuple[RunningServer, RunningServer],
        telegram_api: FakeTelegramAPI,
        office: Office,
        engine: Engine,
        questionnaire: Questionnaire,
        interleaved: bool,
    ) -> None:
        post = Redelivery(urls=(servers[0].url, servers[1].url), interleaved=interleaved)
        telegram = Telegram(api=telegram_api, post=post)
        chat = Chat(telegram=telegram, user=CITIZEN)
        try:
            start(chat, office)
            answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)
            late = post.finish()
        finally:
            post.close()

        # The repeats that came after the end show the end again.
        thanks = BOT.gettext("vi", THANKS)
        assert all(r.status_code == 200 and r.json()["text"] == thanks for r in late)
        updates = len(post.replies)
        assert post.deliveries == COPIES * updates
        # Every delivery was answered; only the first of each update was acted on (below).
        assert set(post.replies.values()) == {COPIES}

        response = only_response(engine)
        assert (response.status, response.channel) == (ResponseStatus.completed, "telegram")
        counts = row_counts(engine)
        assert counts["answer"] == len(PLAN)
        # A toggle of a multiple choice stores nothing, not even its event: the selection
        # lives in the buttons, so a repeat draws the same buttons again.
        toggles = len(str(PLAN["priorities"]).split(";"))
        assert counts["inbound_event"] == updates - toggles
        assert stored_answers(engine) == PLAN

        criteria = [
            key
            for key, value in PLAN.items()
            if value is not None and questionnaire.question(key).kind is QuestionKind.criterion
        ]
        totals = tally_totals(engine, [RESPONSES_KEY, *criteria])
        assert totals == dict.fromkeys([RESPONSES_KEY, *criteria], 1)
        assert tally_differences(engine) == []

        for server in servers:
            log = server.log()
            assert str(CITIZEN.id) not in log and str(PLAN["comment"]) not in log
