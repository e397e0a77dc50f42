"""kill -9 after the third page: the next server resumes at the fourth with nothing lost."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from hailong.db import make_engine, make_sessionmaker
from tests.web.citizen import Citizen, all_responses, answers_of
from tests.web.conftest import ServedDatabase
from tests.web.plan import answer_plan, stored_form
from tests.web.server import free_port, run_server


@pytest.mark.slow
class TestKillNine:
    def test_a_killed_server_loses_no_answer_and_the_scan_resumes(
        self, served_database: ServedDatabase
    ) -> None:
        place = served_database.place
        plan = answer_plan(place.procedure_code)
        with run_server(served_database.env(), free_port()) as first:
            with httpx.Client(base_url=first.url) as client:
                citizen = Citizen(client, place.token)
                fourth = citizen.walk(plan, pages=3)
                cookies = httpx.Cookies(client.cookies)
            # No clean shutdown: whatever was not committed is gone.
            os.kill(first.pid, signal.SIGKILL)
            first.process.wait(timeout=10)

        with (
            run_server(served_database.env(), free_port()) as second,
            httpx.Client(base_url=second.url, cookies=cookies) as client,
        ):
            again = client.get(f"/q/{place.token}", follow_redirects=False)

        assert again.status_code == 303
        assert again.headers["location"] == f"{fourth.url.path}?resumed=1"
        # The three pages: screening with the procedure, A with B, C with D and feedback.
        assert fourth.url.path.endswith("/p/E")
        engine = make_engine(served_database.url)
        sessions = make_sessionmaker(engine)
        [response] = all_responses(sessions)
        assert answers_of(sessions, response.id) == stored_form(plan, citizen.keys)
        engine.dispose()
